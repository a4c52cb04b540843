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
from typing import Any

from services.core import personal_data as pii
from services.moderation.lexicon import Lexicon, default_lexicon
from services.moderation.text import fold, fold_evasive

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
    links = LINK.findall(pii.EMAIL.sub(" ", value))  # an e-mail's domain is not a link
    if links:
        out.append(Suggestion("link", 2, f"Contient {len(links)} lien(s) : {links[0][:80]}."))
    folded = fold(value)
    padded = f" {folded} "
    reasons = [f"« {w} »" for w in SPAM_WORDS if f" {w} " in padded]
    if len(links) > MAX_LINKS_BEFORE_SPAM:
        reasons.append("nombreux liens")
    # counted by C loops (map, filter): a Python loop per character cost more than
    # every other check of a long text together
    letters = "".join(filter(str.isalpha, value))
    if len(letters) >= 20 and sum(map(str.isupper, letters)) / len(letters) > 0.7:
        reasons.append("texte en majuscules")
    if re.search(r"(.)\1{5,}|[!?]{4,}", value):
        reasons.append("caractères répétés")
    words = folded.split()
    if len(words) >= 8 and len(set(words)) / len(words) < 0.3:
        reasons.append("mots répétés")
    if reasons:
        out.append(Suggestion("spam", 2, f"Ressemble à un message indésirable : "
                                         f"{', '.join(reasons)}."))
    return out


def is_content_free(value: str) -> bool:
    folded = fold(value)
    if folded in CONTENT_FREE or len(folded.replace(" ", "")) < 3:
        return True
    letters = folded.replace(" ", "")
    # keyboard mashing: almost no vowels, or one or two distinct characters
    vowels = sum(map(letters.count, "aeiouy"))
    return len(letters) >= 6 and (vowels / len(letters) < 0.1 or len(set(letters)) <= 2)
