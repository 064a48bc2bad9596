"""Which of a row's two names the interface shows.

The catalogue keeps names in Chinese (``name_zh``, the documents' wording) and English
(``name_en``). Interface text goes through gettext; these data names cannot, so the models ask
here which language is active. Chinese is the default and the fallback: an English name that
is missing shows the Chinese one rather than nothing.
"""

from django.utils.translation import get_language


def in_english() -> bool:
    """Whether the active interface language is English (``en``, ``en-gb``…)."""
    return (get_language() or "zh-hans").lower().startswith("en")


def pick(zh: str, en: str) -> str:
    """``en`` when the interface is English and ``en`` is not empty, else ``zh``."""
    return en if en and in_english() else zh
