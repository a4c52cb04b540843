"""The pseudonym rule as said agrees with the rule as checked: the refusal and
the registration form's hint name every kind of character accepted (they left
out the underscore and the period, which pseudonyms may hold: « Alice_Test »
was accepted under a rule saying « lettres, chiffres, espaces, tirets,
apostrophes »)."""

from __future__ import annotations

import html

import pytest
from harness.web import app_client, make_container, make_deps

from services.core.errors import DomainError
from services.identity.model import PSEUDONYM_CHARACTERS, normalise_pseudonym
from services.web.app import create_web_app

SAID = {"lettres": "Alice", "chiffres": "42", "espaces": "A B", "points": "J.",
        "traits d'union (-)": "A-B", "tirets bas (_)": "A_B", "apostrophes": "L'A"}


def test_each_kind_of_character_said_is_accepted_and_no_other() -> None:
    assert all(kind in PSEUDONYM_CHARACTERS for kind in SAID)
    assert normalise_pseudonym("Alice_Test") == "Alice_Test"
    for example in SAID.values():
        assert normalise_pseudonym(f"Jo {example} 7") == f"Jo {example} 7"
    for refused in ("Alice@Test", "Alice+Test", "Jean-", "-Jean", "'Jo", ".Jo", "Jo'"):
        with pytest.raises(DomainError) as caught:
            normalise_pseudonym(refused)
        assert PSEUDONYM_CHARACTERS in caught.value.message, refused


async def test_the_registration_form_says_the_same_rule() -> None:
    container = make_container()
    async with container, app_client(create_web_app(make_deps(container))) as client:
        page = html.unescape((await client.get("/inscription")).text)
    assert PSEUDONYM_CHARACTERS in page
