"""Direct identifiers a participant may type into a free text (DESIGN §10): the
patterns moderation's checks flag and open-data exports mask. One definition,
so that what moderation looks for and what an export hides cannot drift apart."""

from __future__ import annotations

import re

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
# French numbers: 0X XX XX XX XX, +33 X XX.., 0033 X.., separators space . - or none.
PHONE = re.compile(r"(?<![\d+])(?:(?:\+|00)33[\s.-]?(?:\(0\)[\s.-]?)?|0)[1-9](?:[\s.-]?\d{2}){4}"
                   r"(?!\d)")
# Social-security-like (NIR): sex, year, month (or 20-99 for special cases),
# département (2A/2B too), commune, order, optional key.
NIR = re.compile(r"(?<!\d)[12][\s.-]?\d{2}[\s.-]?(?:0[1-9]|1[0-2]|[2-9]\d)[\s.-]?(?:\d{2}|2[AB])"
                 r"[\s.-]?\d{3}[\s.-]?\d{3}(?:[\s.-]?\d{2})?(?!\d)")
IPV4 = re.compile(r"(?<!\d)(?<!\d\.)(?:\d{1,3}\.){3}\d{1,3}(?!\.?\d)")  # "at 10.0.0.3." too
