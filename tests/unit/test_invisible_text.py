"""Texts people send lose what does not show (bidirectional overrides and
isolates, zero-width spaces, the word joiner, a byte-order mark), and their
length is counted in characters that do: a body of twenty zero-width spaces
looked empty and was accepted, a title « \\u202eeltit » showed as « title »."""

from __future__ import annotations

import pytest

from services.core.errors import DomainError
from services.core.values import text


def checked(value: str, min_len: int = 1) -> str:
    return text(value, "body", label="Le texte", max_len=100, min_len=min_len)


@pytest.mark.parametrize("value", ["\u200b" * 20, " \u2060\ufeff ", "\u200c\u200d\u200e"])
def test_a_text_of_invisible_characters_is_empty(value: str) -> None:
    with pytest.raises(DomainError) as caught:
        checked(value)
    assert caught.value.code == "required"


def test_invisible_characters_do_not_count_towards_the_minimum() -> None:
    with pytest.raises(DomainError) as caught:
        checked("abc" + "\u200d" * 10, min_len=5)
    assert caught.value.code == "too_short"
    assert checked("Des idées", min_len=9) == "Des idées"  # spaces count, as they did
    with pytest.raises(DomainError):  # nine that show, with controls and joiners between
        checked("Des\u200d\u00ad idée\u200ds", min_len=10)
    assert checked("a\u200db\u200dc", min_len=3) == "a\u200db\u200dc"


def test_overrides_and_zero_width_spaces_are_taken_out_the_rest_kept() -> None:
    assert checked("\u202eeltit\u202c" + "\u200b" * 5) == "eltit"
    # a joiner inside an emoji sequence is part of what shows: kept
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert checked(f"Pour les {family} du quartier") == f"Pour les {family} du quartier"
