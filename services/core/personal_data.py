"""Direct identifiers a participant may type into a free text (DESIGN §10): the
patterns moderation's checks flag and open-data exports mask. One definition,
so that what moderation looks for and what an export hides cannot drift apart.

`find(text)` lists what it found (kind, span), `mask(text, masks)` replaces it.
Kinds: e-mail addresses, plain or obfuscated (« jean (at) exemple (dot) fr »,
« jean [arobase] exemple point fr »); French social-security numbers (NIR), whose
key, when written, must check; IBANs, whose mod-97 check must hold; French
phone numbers (+33, 0033, (0), overseas +262...); IPv4 and IPv6 addresses
(IPv6 checked by `ipaddress`); postal addresses (a number, a street type, a
name, optionally a postcode and a city). Numbers that fail their check are
left alone: ordinary prose, dates and amounts must not be masked
(tests/unit/test_personal_data.py holds the corpus of both).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")

# Obfuscated: the "at" written out, bracketed or as the French word; the dots
# written out (bracketed, or « point » / « dot » between words) or kept.
_OPEN, _CLOSE = r"[(\[{<]", r"[)\]}>]"
_AT = (rf"(?:\s*{_OPEN}\s*(?:at|arobase|arrobase|@)\s*{_CLOSE}\s*"
       r"|\s+(?:arobase|arrobase)\s+)")
_DOT = rf"(?:\s*{_OPEN}\s*(?:dot|point|\.)\s*{_CLOSE}\s*|\s+(?:dot|point)\s+|\.)"
OBFUSCATED_EMAIL = re.compile(
    rf"(?<![\w.])[A-Za-z0-9._%+-]+{_AT}[A-Za-z0-9-]+(?:{_DOT}[A-Za-z0-9-]+)*{_DOT}"
    r"[A-Za-z]{2,6}\b", re.IGNORECASE)

_SEP = r"[\s.-]?"
# French numbers: 0X XX XX XX XX, +33 X XX.., 0033 X.., +33 (0)X.., separators
# space (no-break ones too) . - or none; overseas departments' +262, +590...
PHONE = re.compile(
    r"(?<![\d+])(?:"
    r"(?:(?:\+|00)33[\s.-]?(?:\(0\)[\s.-]?)?|0)[1-9](?:[\s.-]?\d{2}){4}"
    r"|(?:\+|00)(?:262|269|508|590|594|596|681|687|689)[\s.-]?\d{3}(?:[\s.-]?\d{2}){3}"
    r")(?!\d)")
# Social-security number (NIR): sex (1-4, 7, 8), year, month (01-12, or 20-99
# for special cases), département (2A/2B too), commune, order, optional key.
NIR = re.compile(
    r"(?<![\d\w])(?P<sex>[1-478])[\s.-]?(?P<year>\d{2})[\s.-]?(?P<month>0[1-9]|1[0-2]|[2-9]\d)"
    r"[\s.-]?(?P<dep>\d{2}|2[ABab])[\s.-]?(?P<commune>\d{3})[\s.-]?(?P<order>\d{3})"
    r"(?:[\s.-]?(?P<key>\d{2}))?(?![\d\w])")
IBAN = re.compile(r"(?<![\w])[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?"
                  r"(?![\w])")
IPV4 = re.compile(r"(?<!\d)(?<!\d\.)(?:\d{1,3}\.){3}\d{1,3}(?!\.?\d)")  # "at 10.0.0.3." too
IPV6_CANDIDATE = re.compile(r"(?<![\w:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}"
                            r"(?:%\w+)?(?![\w:])")

# Postal addresses: a number (with bis/ter), a street type, and a name. Street
# types that are also ordinary nouns (« 2 places de parking », « 5 cours de
# yoga ») need a capitalised name; the others take any.
_STREET = (r"rue|avenue|av\.|bd|boulevard|impasse|all[ée]e|chemin|quai|faubourg|"
           r"r[ée]sidence|lotissement|hameau|lieu-dit|rond-point|esplanade|sentier")
_STREET_COMMON = r"place|cours|route|passage|square|villa|cit[ée]|voie|promenade|parvis|mont[ée]e"
_LINK = r"(?:(?:de|du|des|de la|de l'|d'|la|le|les|l')\s*)?"
_APOSTROPHES = "'\u2019"  # typed, and as word processors curl it
_NAME_WORD = rf"[A-Za-zÀ-ÖØ-öø-ÿ][\w{_APOSTROPHES}-]*"
_CAPITAL = rf"[A-ZÀ-ÖØ-Þ][\w{_APOSTROPHES}-]*"
_POSTCODE_CITY = rf"(?:,?\s+(?:\d{{5}}|\d{{2}}\s\d{{3}})\s+{_CAPITAL}(?:[\s-]{_CAPITAL})*)?"
ADDRESS = re.compile(
    r"(?<![\w,.])\d{1,4}\s?(?:bis|ter|[a-d](?![\w]))?,?\s+(?:"
    rf"(?i:{_STREET})\s+{_LINK}{_NAME_WORD}(?:[\s-]{_CAPITAL})*"
    rf"|(?i:{_STREET_COMMON})\s+{_LINK}{_CAPITAL}(?:[\s-]{_CAPITAL})*"
    rf"){_POSTCODE_CITY}", re.UNICODE)

_DIGIT = re.compile(r"\d")
_OBFUSCATION_HINT = re.compile(r"arr?obase|[(\[{<]\s*(?:at|@)\s*[)\]}>]", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Found:
    kind: str  # email | nir | iban | phone | ipv4 | ipv6 | address
    start: int
    end: int


def nir_key_ok(match: re.Match[str]) -> bool:
    """The key, when written, is 97 - (the 13 digits mod 97), Corsica's 2A and
    2B counting as 19 and 18."""
    key = match.group("key")
    if key is None:
        return True
    dep = match.group("dep").upper()
    dep = {"2A": "19", "2B": "18"}.get(dep, dep)
    number = int("".join([match.group("sex"), match.group("year"), match.group("month"), dep,
                          match.group("commune"), match.group("order")]))
    return 97 - number % 97 == int(key)


def iban_ok(text: str) -> bool:
    """ISO 13616: the first four characters moved to the end, letters as 10-35,
    the number mod 97 is 1."""
    compact = text.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34:
        return False
    digits = "".join(str(int(c, 36)) for c in compact[4:] + compact[:4])
    return int(digits) % 97 == 1


def ipv6_ok(text: str) -> bool:
    groups = [g for g in text.split("%")[0].split(":") if g]
    if len(groups) < 2 or ("::" not in text and len(groups) != 8):
        return False
    try:
        ipaddress.IPv6Address(text.split("%")[0])
    except ValueError:
        return False
    return True


Check = Callable[[re.Match[str]], bool]
_ALWAYS: Check = lambda m: True  # noqa: E731

# Earlier detectors win an overlap at the same start (an IBAN holds digit runs a
# phone pattern would take; an e-mail's domain holds dots).
DETECTORS: tuple[tuple[str, re.Pattern[str], Check], ...] = (
    ("email", EMAIL, _ALWAYS),
    ("email", OBFUSCATED_EMAIL, _ALWAYS),
    ("iban", IBAN, lambda m: iban_ok(m.group(0))),
    ("nir", NIR, nir_key_ok),
    ("phone", PHONE, _ALWAYS),
    ("ipv4", IPV4, _ALWAYS),
    ("ipv6", IPV6_CANDIDATE, lambda m: ipv6_ok(m.group(0))),
    ("address", ADDRESS, _ALWAYS),
)


# Necessary conditions, read off the patterns: the fewest `\d` a match holds
# (PHONE: 0 and 9 more; NIR: 13, 12 with Corsica's 2A/2B; IPV4: four numbers
# between three dots), so that a text short of them skips the pattern. Most texts
# hold no digit, no '@' and no ':'; a proposal's title, a number or two.
_LEAST_DIGITS = {"iban": 2, "nir": 12, "phone": 10, "ipv4": 4, "address": 1}


# DETECTORS with their ranks, the fewest digits they need, and whether a test
# other than the digits' is made (`_may_hold`): for most, the count says it all.
_MORE_THAN_DIGITS = frozenset({"email", "ipv4", "ipv6"})
_SCREENED = tuple((rank, kind, pattern, check, _LEAST_DIGITS.get(kind, 0),
                   kind in _MORE_THAN_DIGITS)
                  for rank, (kind, pattern, check) in enumerate(DETECTORS))


def _may_hold(kind: str, pattern: re.Pattern[str], text: str, digits: int) -> bool:
    """Cheap tests first (`digits`: how many digits the text holds)."""
    if pattern is EMAIL:
        return "@" in text
    if pattern is OBFUSCATED_EMAIL:
        return _hinted(text)
    if kind == "ipv6":
        return text.count(":") >= 2
    if kind == "ipv4" and text.count(".") < 3:
        return False
    return digits >= _LEAST_DIGITS[kind]


def _hinted(text: str) -> bool:
    """Whether `text` holds the obfuscated e-mail's hint (its "at" spelled out).
    The hint cannot match without an opening bracket `([{<` or "obase" once
    folded (under IGNORECASE only U+017F, the long s, matches a letter of it
    besides its two cases, and folds to `s`: tests/unit/test_personal_data.py
    checks every code point). Plain `in` tests first, a few times cheaper than
    the case-insensitive search on a text holding neither, as most do (ADR 0099)."""
    if not ("(" in text or "[" in text or "{" in text or "<" in text) \
            and "obase" not in text.casefold():
        return False
    return _OBFUSCATION_HINT.search(text) is not None


def find(text: str) -> list[Found]:
    """Every identifier in `text`, in order, without overlaps (the earliest
    start wins, then the longest, then the first detector)."""
    # counted once for the five patterns that need digits (ADR 0094)
    digits = len(_DIGIT.findall(text))
    if not digits and "@" not in text and text.count(":") < 2 and not _hinted(text):
        # Most texts: every detector but the e-mails' and IPv6's needs a digit, and
        # those need their '@', hint or two colons; no loop over them (ADR 0099).
        return []
    found: list[tuple[int, int, int, str]] = []
    for rank, kind, pattern, check, least, more in _SCREENED:
        # the digits compared here, the other tests in a call (ADR 0099)
        if digits < least or (more and not _may_hold(kind, pattern, text, digits)):
            continue
        found.extend((m.start(), -m.end(), rank, kind) for m in pattern.finditer(text)
                     if check(m))
    if not found:
        return []
    out: list[Found] = []
    for start, neg_end, _, kind in sorted(found):
        if out and start < out[-1].end:
            continue
        out.append(Found(kind, start, -neg_end))
    return out


def mask(text: str, masks: Mapping[str, str]) -> tuple[str, dict[str, int]]:
    """`text` with every identifier replaced by its kind's mask, and how many of
    each kind were masked."""
    found = find(text)
    if not found:
        return text, {}
    parts: list[str] = []
    counts: dict[str, int] = {}
    at = 0
    for f in found:
        parts.append(text[at:f.start])
        parts.append(masks[f.kind])
        counts[f.kind] = counts.get(f.kind, 0) + 1
        at = f.end
    parts.append(text[at:])
    return "".join(parts), counts


# What a participant's text says in place of an identifier once redacted: French,
# readable by the public, and never itself taken for an identifier.
MASKS = {"email": "[courriel masqué]", "phone": "[téléphone masqué]",
         "ipv4": "[adresse IP masquée]", "ipv6": "[adresse IP masquée]",
         "nir": "[numéro de sécurité sociale masqué]", "iban": "[IBAN masqué]",
         "address": "[adresse postale masquée]"}


def redact(text: str) -> str:
    """`text` with every identifier masked (MASKS): what the services write into
    events for a participant's text, so the log never holds it in clear (ADR 0044)."""
    return mask(text, MASKS)[0]


def redacted_texts(data: dict[str, Any], *fields: str) -> dict[str, Any]:
    """Event data with its text `fields` redacted, for the upcasters of events
    written before redaction (values that are not text are left as they are: a
    malformed event fails where it is read, not here)."""
    for name in fields:
        if isinstance(data.get(name), str):
            data[name] = redact(data[name])
    return data


def redacted_kinds(text: str) -> dict[str, int]:
    """How many identifiers of each kind `redact` took out of `text`, read back
    from its masks (kinds sharing a mask count under the first)."""
    counts: dict[str, int] = {}
    for kind, token in MASKS.items():
        n = text.count(token)
        if n and token not in {MASKS[k] for k in counts}:
            counts[kind] = n
    return counts
