"""The moderator's « link » suggestion names the first link as written, without
the punctuation that follows it in the text (it read « Contient 1 lien(s) :
http://x"). »), and counts in French: « 1 lien », « 2 liens »."""

from __future__ import annotations

import pytest

from services.moderation.checks import check_texts


def explained(body: str) -> str:
    return next(s.explanation for s in check_texts({"body": body}) if s.code == "link")


@pytest.mark.parametrize(("body", "said"), [
    ('Il a écrit (voir "http://x"). Merci.', "Contient 1 lien : « http://x »."),
    ("Lisez https://exemple.fr/plan-velo, puis répondez !", "« https://exemple.fr/plan-velo »"),
    ("Source : https://fr.wikipedia.org/wiki/Vélo_(homonymie).",
     "« https://fr.wikipedia.org/wiki/Vélo_(homonymie) »"),
    ("Voir www.exemple.fr » et www.autre.fr", "Contient 2 liens : « www.exemple.fr »."),
])
def test_the_link_is_named_without_what_follows_it(body: str, said: str) -> None:
    assert said in explained(body)


def test_a_long_link_is_cut_with_an_ellipsis() -> None:
    text = explained("https://exemple.fr/" + "a" * 200 + ".")
    assert text.endswith("… ».") and len(text) < 120
