"""The checks' cheap screens (ADR 0101) give the answers of the expressions they
stand in front of: the links' plain tests cover every character LINK's
IGNORECASE matches, and over the bench's corpus and random mixes the links,
capitals, repeated characters, content-free texts, lexicon and redacted masks
come out as the former code computed them."""

from __future__ import annotations

import random
import re

from moderation.corpus import mixed
from services.core import personal_data as pii
from services.moderation import checks
from services.moderation.lexicon import default_lexicon
from services.moderation.text import fold, fold_evasive

PIECES = ["https://exemple.org/a", "HTTP://X.FR", "www.exemple.com", "WwW.x",
          "www.quelquechose.de", "WWW.ABC/page", "exemple.COM",
          "site.İo", "site.\u0131nfo", "x.Org/page", "a.b", "3.5", "M.Dupont", "fin. Il", "...",
          "jean@exemple.fr", "jean@exemple.fr1 rue de la Paix", ".", "://", "\u017f", "K",
          "AAAAAAAAAAAAAAAAAAAAAAAA", "ÉCOLE ÉTÉ ÉLÈVE", "Œ", "ǅ", "Ⓐ", "ß", "İ", "\u0131",
          "!!!!", "!?!?", "???", "!!!", "aaaaaa", "aaaaa", "\n\n\n\n\n\n", "😀😀😀😀😀😀", "😀😀",
          "éééééé", "      ", "\ud800\ud800\ud800\ud800\ud800\ud800", "[courriel masqué]",
          "[téléphone masqué]", "[adresse IP masquée]", "[IBAN masqué]", "[", "rien", "ok",
          "bla bla", "qsdfghjklmnb", "ababab", "zzzzzz", "connard", "c0nnards", "fils de putes",
          "gros con", "cons", "cliquez ici", "code promo", "promo", "crypto", " ", ", ", "\t"]


def _texts() -> list[str]:
    rng = random.Random(2026)
    corpus = [text for _, text, _ in mixed(1000, 100)]
    texts = corpus + PIECES
    for _ in range(6000):
        parts = rng.choices(PIECES + corpus[:50], k=rng.randint(1, 8))
        text = rng.choice(["", " ", "\n"]).join(parts)
        texts.append(text.upper() if rng.random() < 0.15 else text)
    return texts


def test_the_link_screen_covers_every_character_link_matches() -> None:
    every = [chr(c) for c in range(0x110000) if not 0xD800 <= c < 0xE000]
    first = re.compile("[cfnoibrx]", re.IGNORECASE)
    assert {c for c in every if first.fullmatch(c)} == checks._TLD_FIRST
    w = re.compile("w", re.IGNORECASE)
    assert {c for c in every if w.fullmatch(c)} == {"w", "W"}
    for sign in ":/":
        assert {c for c in every if re.fullmatch(re.escape(sign), c, re.IGNORECASE)} == {sign}


def test_the_screens_answer_as_the_expressions_they_screen() -> None:
    lexicon = default_lexicon()
    for text in _texts():
        assert checks._links(text) == checks.LINK.findall(pii.EMAIL.sub(" ", text)), text
        letters = "".join(filter(str.isalpha, text))
        capitals = len(letters) >= 20 and sum(map(str.isupper, letters)) / len(letters) > 0.7
        assert checks._mostly_capitals(text) == capitals, text
        repeated = re.search(r"(.)\1{5,}|[!?]{4,}", text) is not None
        assert checks._repeated_characters(text) == repeated, text
        assert checks.is_content_free(text) == _content_free_former(text), text
        evasive = fold_evasive(text)
        found = dict.fromkeys(m.group(1) for m in lexicon.pattern.finditer(f" {evasive} "))
        assert lexicon.find(evasive) == [(e, lexicon.category_of[e]) for e in found], text
        redacted = checks.personal_data({"body": text})
        if not redacted or redacted[0].severity == 1:
            assert [s.explanation for s in redacted] == _redacted_former(text), text


def _content_free_former(value: str) -> bool:
    folded = fold(value)
    if folded in checks.CONTENT_FREE or len(folded.replace(" ", "")) < 3:
        return True
    letters = folded.replace(" ", "")
    vowels = sum(map(letters.count, "aeiouy"))
    return len(letters) >= 6 and (vowels / len(letters) < 0.1 or len(set(letters)) <= 2)


def _redacted_former(value: str) -> list[str]:
    removed = pii.redacted_kinds(value)
    if not removed:
        return []
    what = ", ".join(f"{checks.LABELS[k]} ({n})" for k, n in removed.items())
    return [f"Données personnelles retirées au dépôt : {what}. "
            "Le texte enregistré ne les contient plus."]
