"""Automatic checks: each returns explained suggestions for a human moderator,
never a deletion. Pure functions of the text (the campaign check, which needs
every other text, is in `campaigns.py`).

Severity: 3 = look first (personal data, insults, slurs), 2 = links, spam,
vulgarity, campaigns, 1 = content-free. The queue sorts by the highest one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from services.core import personal_data as pii
from services.moderation.lexicon import Lexicon, default_lexicon
from services.moderation.text import fold, fold_evasive, has_run

LINK = re.compile(r"(?:https?://|www\.)\S+|\b[a-z0-9-]+\.(?:com|fr|net|org|info|io|biz|ru|xyz)"
                  r"(?:/\S*)?\b", re.IGNORECASE)
SPAM_WORDS = ("cliquez ici", "gagnez", "gratuit", "promo", "code promo", "bitcoin", "crypto",
              "casino", "viagra", "rencontres", "pret rapide", "argent facile", "abonnez vous")
CONTENT_FREE = {"rien", "ras", "r a s", "aucun", "aucune", "non", "oui", "ok", "okay", "test",
                "bla", "bla bla", "blabla", "xxx", "x", "nsp", "je ne sais pas", "sans avis",
                "pas d avis", "idem", "neant", "na", "n a"}
MASKS = {"email": "[adresse masquée]", "phone": "[téléphone masqué]",
         "nir": "[numéro masqué]", "iban": "[numéro masqué]", "ipv4": "[adresse IP masquée]",
         "ipv6": "[adresse IP masquée]", "address": "[adresse postale masquée]"}
LABELS = {"email": "adresse électronique", "phone": "numéro de téléphone",
          "nir": "numéro de sécurité sociale", "iban": "IBAN", "ipv4": "adresse IP",
          "ipv6": "adresse IP", "address": "adresse postale"}
MAX_LINKS_BEFORE_SPAM = 2
# What a LINK match holds whatever else it holds: "://", or a dot after "www" or
# before a top-level domain's first letter, those letters in every case LINK's
# IGNORECASE matches (the dotless and dotted i too: tests/unit/moderation/test_checks.py
# checks every code point). LINK (~13 µs a text, a try at every word) runs only then.
_TLD_FIRST = frozenset("cfnoibrxCFNOIBRX\u0130\u0131")
_WWW = frozenset(a + b + c for a in "wW" for b in "wW" for c in "wW")
# single words are looked up in the text's set of words, the others in the text
_SPAM_WORDS = tuple((w, " " not in w, f" {w} ") for w in SPAM_WORDS)
_VOWELS_KEPT = bytes(b for b in range(256) if chr(b) not in "aeiouy")  # bytes.translate deletes
# What every mask of a redacted text starts with ("["): without it, none to count.
_MASK_STARTS = {mask[:1] for mask in pii.MASKS.values()}
_MASK_START = next(iter(_MASK_STARTS)) if len(_MASK_STARTS) == 1 else ""
_REPEATED = re.compile(r"(.)\1{5,}|[!?]{4,}")
_PUNCTUATION_RUN = re.compile(r"[!?]{4,}")
# bytes.translate deletes these: what is left counts the ASCII letters, the capitals
_ALL_BYTES = bytes(range(256))
_BUT_ASCII_LETTERS = bytes(b for b in _ALL_BYTES if not chr(b).isalpha() or b > 127)
_BUT_ASCII_CAPITALS = bytes(b for b in _ALL_BYTES if not chr(b).isupper() or b > 127)


@dataclass(frozen=True, slots=True)
class Suggestion:
    # personal_data | insult | discrimination | vulgarity | link | spam | content_free | campaign
    code: str
    severity: int
    explanation: str  # French, shown to the moderator
    masked: Mapping[str, str] = field(default_factory=dict)  # field -> masked text

    def to_data(self) -> dict[str, Any]:
        return {"code": self.code, "severity": self.severity,
                "explanation": self.explanation, "masked": dict(self.masked)}


def check_texts(texts: Mapping[str, str], *, lexicon: Lexicon | None = None,
                free_text: bool = True) -> list[Suggestion]:
    """Every suggestion for a contribution's text fields (e.g. title and body).
    `free_text=False` (a closed-only response) skips the content-free check."""
    lexicon = lexicon or default_lexicon()
    joined = "\n".join(texts.values())
    out = [*personal_data(texts), *insults(joined, lexicon), *links_and_spam(joined)]
    if free_text and is_content_free(joined):
        out.append(Suggestion("content_free", 1,
                              "Le texte ne semble rien dire (vide, « rien », caractères au "
                              "hasard…)."))
    return out


def personal_data(texts: Mapping[str, str]) -> list[Suggestion]:
    kinds: dict[str, int] = {}
    masked: dict[str, str] = {}
    for name, value in texts.items():
        new, counts = pii.mask(value, MASKS)
        for kind, n in counts.items():
            kinds[kind] = kinds.get(kind, 0) + n
        if new != value:
            masked[name] = new
    if kinds:
        what = ", ".join(f"{LABELS[k]} ({n})" for k, n in kinds.items())
        return [Suggestion("personal_data", 3, f"Données personnelles dans le texte : {what}. "
                           "Version masquée proposée.", masked)]
    # Deposits are redacted before they are written (ADR 0044): what was taken out
    # is told, nothing is left to mask.
    removed: dict[str, int] = {}
    for value in texts.values():
        if _MASK_START and _MASK_START not in value:
            continue
        for kind, n in pii.redacted_kinds(value).items():
            removed[kind] = removed.get(kind, 0) + n
    if not removed:
        return []
    what = ", ".join(f"{LABELS[k]} ({n})" for k, n in removed.items())
    return [Suggestion("personal_data", 1, f"Données personnelles retirées au dépôt : {what}. "
                       "Le texte enregistré ne les contient plus.")]


def insults(value: str, lexicon: Lexicon) -> list[Suggestion]:
    found = lexicon.find(fold_evasive(value))
    if not found:
        return []
    out = []
    for category, code, severity, label in (
            ("discrimination", "discrimination", 3, "Injure discriminatoire"),
            ("injure", "insult", 3, "Injure"),
            ("grossierete", "vulgarity", 2, "Grossièreté")):
        words = [w for w, c in found if c == category]
        if words:
            out.append(Suggestion(code, severity,
                                  f"{label} possible : « {' », « '.join(words)} »."))
    return out


def links_and_spam(value: str) -> list[Suggestion]:
    out = []
    links = _links(value)
    if links:
        # the first link as written, without the punctuation after it that LINK's \S+
        # took (« http://x"). »), a closing bracket kept when it has its opening one
        shown = links[0]
        while shown[-1] in "\".,;:!?'»]}>)" and not (
                shown[-1] == ")" and shown.count("(") >= shown.count(")")):
            shown = shown[:-1]
        if len(shown) > 80:
            shown = shown[:79] + "…"
        out.append(Suggestion("link", 2, f"Contient {len(links)} lien"
                              f"{'s' if len(links) > 1 else ''} : « {shown} »."))
    folded = fold(value)
    padded = f" {folded} "
    words = folded.split()
    distinct = set(words)
    reasons = [f"« {w} »" for w, single, w_padded in _SPAM_WORDS
               if (w in distinct if single else w_padded in padded)]
    if len(links) > MAX_LINKS_BEFORE_SPAM:
        reasons.append("nombreux liens")
    if _mostly_capitals(value):
        reasons.append("texte en majuscules")
    if _repeated_characters(value):
        reasons.append("caractères répétés")
    if len(words) >= 8 and len(distinct) / len(words) < 0.3:
        reasons.append("mots répétés")
    if reasons:
        out.append(Suggestion("spam", 2, f"Ressemble à un message indésirable : "
                                         f"{', '.join(reasons)}."))
    return out


def _links(value: str) -> list[str]:
    if "@" in value:  # an e-mail's domain is not a link (EMAIL needs its "@")
        value = pii.EMAIL.sub(" ", value)
    if not _may_hold_link(value):
        return []
    links: list[str] = LINK.findall(value)
    return links


def _may_hold_link(value: str) -> bool:
    if "://" in value:
        return True
    if "." not in value:
        return False
    pieces = value.split(".")
    return any(after[:1] in _TLD_FIRST or before[-3:] in _WWW
               for before, after in pairwise(pieces))


def _mostly_capitals(value: str) -> bool:
    """At least 20 letters, more than 70 % of them capitals."""
    # A bound first, from C loops over the UTF-8 bytes: the letters are at least
    # the ASCII ones, the capitals at most the ASCII ones and every other character
    # (each one byte or more beyond the first). Most texts are settled there.
    raw = value.encode("utf-8", "surrogatepass")
    ascii_letters = len(raw.translate(None, _BUT_ASCII_LETTERS))
    most_capitals = len(raw.translate(None, _BUT_ASCII_CAPITALS)) + len(raw) - len(value)
    if most_capitals * 10 <= ascii_letters * 7:
        return False
    # counted by C loops (map, filter): a Python loop per character cost more than
    # every other check of a long text together
    letters = "".join(filter(str.isalpha, value))
    return len(letters) >= 20 and sum(map(str.isupper, letters)) / len(letters) > 0.7


def _repeated_characters(value: str) -> bool:
    """A character six times in a row, or four ! or ? in a row."""
    # six equal characters make a run of zero bytes (`has_run`) in UTF-16, or in
    # UTF-32 when a character takes two UTF-16 units; most texts have none, and the
    # regex, trying each position, cost ~9 µs a text
    raw, width = value.encode("utf-16-le", "surrogatepass"), 2
    if len(raw) != 2 * len(value):
        raw, width = value.encode("utf-32-le", "surrogatepass"), 4
    if has_run(raw, 6, width):
        return _REPEATED.search(value) is not None
    # four of them hold two in a row
    return ("!!" in value or "??" in value or "!?" in value or "?!" in value) and (
        _PUNCTUATION_RUN.search(value) is not None)


def is_content_free(value: str) -> bool:
    folded = fold(value)
    if folded in CONTENT_FREE:
        return True
    letters = folded.replace(" ", "")
    if len(letters) < 3:
        return True
    if len(letters) < 6:
        return False
    # keyboard mashing: almost no vowels, or one or two distinct characters
    vowels = len(letters.encode().translate(None, _VOWELS_KEPT))
    if vowels / len(letters) < 0.1:
        return True
    # two characters at most: removing every copy of the first leaves one kind
    # or none (the set of a long text's characters cost more)
    rest = letters.replace(letters[0], "")
    return not rest.replace(rest[:1], "")
