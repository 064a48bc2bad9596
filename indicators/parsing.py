"""Catalogue values as people write them: comparators (≥, 以上, 不低于…), target values (96,
"96.5%", "９６．５"), years, fixed choices by code or Chinese label, and uploaded source texts.

Pure functions: each returns the stored form or raises ``ValidationError`` with a message in
Chinese. The services (:mod:`indicators.services`) call them for every way in: admin forms,
admin imports and the fixture loader.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext as _

from qualityhub.numbers import parse_number

from .choices import Comparator

#: Every way of writing a comparator that QualityHub understands, after NFKC folding (so the
#: full-width ＞＝ is >=) and removing spaces. The words follow Chinese usage as the Civil Code
#: (art. 1259) fixes it: 以上、以下、以内 include the number itself; 超过、不满 do not.
COMPARATOR_WORDS: dict[str, str] = {
    # at least: the number itself meets the target
    ">=": Comparator.GTE,
    "=>": Comparator.GTE,
    "≥": Comparator.GTE,
    "≧": Comparator.GTE,
    "⩾": Comparator.GTE,
    "以上": Comparator.GTE,
    "不低于": Comparator.GTE,
    "不少于": Comparator.GTE,
    "不小于": Comparator.GTE,
    "至少": Comparator.GTE,
    "达到": Comparator.GTE,
    # more than: the number itself does not
    ">": Comparator.GT,
    "超过": Comparator.GT,
    "高于": Comparator.GT,
    "大于": Comparator.GT,
    "多于": Comparator.GT,
    # at most
    "<=": Comparator.LTE,
    "=<": Comparator.LTE,
    "≤": Comparator.LTE,
    "≦": Comparator.LTE,
    "⩽": Comparator.LTE,
    "以下": Comparator.LTE,
    "以内": Comparator.LTE,
    "不超过": Comparator.LTE,
    "不高于": Comparator.LTE,
    "不大于": Comparator.LTE,
    "不多于": Comparator.LTE,
    "控制在": Comparator.LTE,
    # less than
    "<": Comparator.LT,
    "低于": Comparator.LT,
    "少于": Comparator.LT,
    "小于": Comparator.LT,
    "不满": Comparator.LT,
    "不足": Comparator.LT,
    # equal
    "=": Comparator.EQ,
    "==": Comparator.EQ,
    "等于": Comparator.EQ,
}

_SPACES = re.compile(r"\s+")
#: "≥（以上）", ">=（≥）": a comparator followed by its own explanation in brackets.
_EXPLAINED = re.compile(r"^(.+?)[(（](.+)[)）]$")


def _fold(text) -> str:
    return _SPACES.sub("", unicodedata.normalize("NFKC", "" if text is None else str(text)))


def parse_comparator(text) -> str:
    """The stored comparator (``>=``, ``>``, ``<=``, ``<``, ``=``) for a symbol or word."""
    raw = _fold(text)
    if not raw:
        raise ValidationError(
            _("请填写比较方式，例如 ≥、以上、超过、以内、低于。"), code="required"
        )
    if raw in COMPARATOR_WORDS:
        return str(COMPARATOR_WORDS[raw])
    explained = _EXPLAINED.match(raw)
    if explained:
        head, tail = (COMPARATOR_WORDS.get(part) for part in explained.groups())
        if head is not None and tail in (None, head):
            return str(head)
    raise ValidationError(
        _(
            "无法识别比较方式“%(text)s”：请填写 ≥、>、≤、<、=（或 >=、<=），"
            "或 以上、不低于、超过、以内、不超过、低于、等于 等。"
        )
        % {"text": str(text).strip()},
        code="comparator",
    )


#: numeric(20,6): at most 14 digits before the decimal point and 6 after.
MAX_DIGITS, DECIMAL_PLACES = 20, 6


def parse_value(raw, *, unit: str = "") -> Decimal | None:
    """A number as a spreadsheet cell or a person gives it; ``None`` for an empty cell.

    An xlsx cell may hold an int or a float (96, 96.5); text is read by
    :func:`qualityhub.numbers.parse_number` (``"1,576"``, ``"９６．５"``, ``"96.5%"`` where the
    unit is %). The number must fit the database column, numeric(20,6), exactly: a seventh
    decimal would be rounded away on save and the row would never compare equal again.
    """
    if raw is None:
        return None
    if isinstance(raw, bool):
        raise ValidationError(_("请填写数字，例如 96.5。"), code="not_a_number")
    if isinstance(raw, Decimal):
        value = raw
    elif isinstance(raw, int):
        value = Decimal(raw)
    elif isinstance(raw, float):
        value = Decimal(repr(raw))  # 96.5, not 96.5000000000000000001
    else:
        value = parse_number(str(raw), unit=unit)
        if value is None:
            return None
    if not value.is_finite():
        raise ValidationError(_("请填写数字，例如 96.5。"), code="not_a_number")
    check_fits(value)
    return value


def check_fits(value: Decimal) -> None:
    """Raise unless ``value`` fits numeric(20,6) without rounding."""
    _sign, digits, exponent = value.normalize().as_tuple()
    places = max(0, -exponent)
    whole = max(0, len(digits) + exponent)
    if places > DECIMAL_PLACES:
        raise ValidationError(
            _("最多保留 %(n)d 位小数。") % {"n": DECIMAL_PLACES}, code="decimal_places"
        )
    if value and whole > MAX_DIGITS - DECIMAL_PLACES:
        raise ValidationError(
            _("数值过大：整数部分最多 %(n)d 位。") % {"n": MAX_DIGITS - DECIMAL_PLACES},
            code="max_digits",
        )


#: The years a target or a document may name (the model's check constraint says the same).
YEAR_MIN, YEAR_MAX = 2000, 2100
_YEAR = re.compile(r"^(\d{4})(?:\.0+)?年?$")


def parse_year(raw, *, low: int = YEAR_MIN, high: int = YEAR_MAX) -> int:
    """A plausible year (``low``–``high``) from 2030, 2030.0, "2030" or "2030年"."""
    if isinstance(raw, int | float | Decimal) and not isinstance(raw, bool):
        text = str(raw)
    else:
        text = _fold(raw)
    if not text:
        raise ValidationError(_("请填写年份，例如 2030。"), code="required")
    match = _YEAR.match(text)
    if not match or not low <= int(match[1]) <= high:
        raise ValidationError(
            _("“%(text)s”不是有效的年份：请填写 %(min)d 至 %(max)d 之间的四位年份。")
            % {"text": str(raw).strip(), "min": low, "max": high},
            code="year",
        )
    return int(match[1])


def parse_int(raw, *, low: int, high: int) -> int:
    """A whole number in [low, high], from an int, a float like 2.0 or text."""
    text = _fold(raw)
    try:
        value = Decimal(text)
    except InvalidOperation:
        value = None
    if value is None or value != value.to_integral_value() or not low <= value <= high:
        raise ValidationError(
            _("请填写 %(low)d 至 %(high)d 之间的整数。") % {"low": low, "high": high},
            code="integer",
        )
    return int(value)


def parse_choice(raw, choices: type[models.TextChoices]) -> str:
    """A fixed-choice value given by its code (``rate``) or its Chinese label (比率（%）)."""
    text = _fold(raw)
    for value, label in choices.choices:
        if text.lower() == value.lower() or text == _fold(label):
            return value
    allowed = "、".join(f"{value}（{label}）" for value, label in choices.choices)
    raise ValidationError(
        _("“%(text)s”不是可选值，可填：%(allowed)s。")
        % {"text": str(raw or "").strip(), "allowed": allowed},
        code="invalid_choice",
    )


# --- Uploaded source texts ------------------------------------------------------------------

#: Largest source text accepted (the longest fixture document is about 60 KB).
MAX_SOURCE_BYTES = 5 * 1024 * 1024
_BINARY_MAGIC = (
    b"PK\x03\x04",  # docx, xlsx, zip
    b"%PDF",
    b"\xd0\xcf\x11\xe0",  # doc, xls
    b"{\\rtf",
)
#: Control characters no plain text holds (tab, line feed, carriage return and form feed do).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def decode_source_text(data: bytes, name: str = "") -> str:
    """The text of an uploaded plain-text file in UTF-8 (with or without BOM) or GB18030.

    Refuses, with a message in Chinese, a file that is not .txt, empty, too large, a Word,
    PDF or zip file, or not text in either encoding.
    """
    if name and not name.lower().endswith(".txt"):
        raise ValidationError(
            _("请上传 .txt 纯文本文件（UTF-8 或 GB18030 编码），而不是“%(name)s”。")
            % {"name": name},
            code="not_txt",
        )
    if not data or not data.strip():
        raise ValidationError(_("上传的文件是空的。"), code="empty")
    if len(data) > MAX_SOURCE_BYTES:
        raise ValidationError(
            _("文件超过 %(mb)d MB，不是一份文件的原文文本。") % {"mb": MAX_SOURCE_BYTES // 2**20},
            code="too_large",
        )
    if data.startswith(_BINARY_MAGIC):
        raise ValidationError(
            _("这是 Word、PDF 或压缩文件，请另存为 .txt 纯文本（UTF-8 或 GB18030 编码）后上传。"),
            code="binary",
        )
    text = None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if text is None or _CONTROL.search(text):
        raise ValidationError(
            _("无法识别为文本：请上传 UTF-8 或 GB18030（GBK）编码的 .txt 纯文本文件。"),
            code="encoding",
        )
    return text.replace("\r\n", "\n")
