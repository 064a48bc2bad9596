"""Numbers as people type them: 93.71, 93.71%, full-width ９３．７１, 1,576.43, 1 576.43."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_PLAIN = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


def parse_number(text: str, *, unit: str = "") -> Decimal | None:
    """Parse a typed number; ``None`` for an empty field.

    Full-width characters are folded (NFKC), spaces dropped, thousands separators accepted only
    in groups of three, and a trailing ``%`` only where the indicator's unit is ``%``.
    """
    raw = unicodedata.normalize("NFKC", text or "").strip()
    raw = raw.replace("\u3000", "").replace(" ", "").replace("，", ",").replace("。", ".")
    if not raw:
        return None
    if raw.endswith("%"):
        if unit != "%":
            raise ValidationError(
                _("该指标的单位是“%(unit)s”，不应带百分号。") % {"unit": unit or _("无")},
                code="percent_sign",
            )
        raw = raw[:-1]
    if "," in raw:
        if not _GROUPED.match(raw):
            raise ValidationError(
                _("“%(text)s”的千位分隔符位置不对，请写作 1,576.43 或 1576.43。") % {"text": text},
                code="grouping",
            )
        raw = raw.replace(",", "")
    if not _PLAIN.match(raw):
        raise ValidationError(
            _("“%(text)s”不是数字，请填写数字，例如 93.71。") % {"text": text}, code="not_a_number"
        )
    try:
        return Decimal(raw)
    except InvalidOperation:  # pragma: no cover - the pattern already rules this out
        raise ValidationError(_("请填写数字，例如 93.71。"), code="not_a_number") from None


def decimal_places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


#: A number followed by what it counts: "183件", "38.5 万件", "93.71%". The number part runs to
#: the last digit, so the unit never holds a digit ("1e5" stays one piece and is not a number).
_TRAILING_UNIT = re.compile(r"^(?P<number>.*\d[.。]?)\s*(?P<unit>[^\d]*?)$", re.DOTALL)


def split_unit(text: str) -> tuple[str, str]:
    """A typed number and the unit written after it: ``"38.5万件"`` → ``("38.5", "万件")``.

    Both parts are folded (NFKC: ``％`` is ``%``, full-width digits are digits) and stripped; the
    unit is ``""`` when nothing follows the number. Text with no digit is returned whole, with no
    unit, for :func:`parse_number` to refuse.
    """
    folded = unicodedata.normalize("NFKC", text or "").strip()
    match = _TRAILING_UNIT.match(folded)
    if not match:
        return folded, ""
    return match["number"].strip(), match["unit"].strip()


#: Excel keeps (and shows) at most 15 significant digits of a number.
EXCEL_DIGITS = 15


def float_as_typed(number: float) -> Decimal:
    """The number a person typed into a spreadsheet cell that now holds ``number``.

    A cell holds a binary double, so 93.71 may come back as 93.71000000000001, and a percent cell
    showing 93.71% holds 0.9371. Excel keeps at most 15 significant digits of what was typed;
    rounding to 15 significant digits gives the typed number back (93.71), where ``repr``
    would keep the artefact. A formula's result (93.7142857142857) keeps all its digits.
    """
    return Decimal(format(number, f".{EXCEL_DIGITS}g"))
