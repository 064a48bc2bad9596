"""What no text column can hold: NUL and lone UTF-16 surrogates (as the site's middleware)."""

import re

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
