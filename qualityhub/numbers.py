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
