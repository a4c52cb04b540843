"""Refusals gathered from a command's independent checks (ADR 0144)."""

from __future__ import annotations

import pytest

from services.core.errors import DomainError, InvalidFields, Refusals, refusals_of
from services.core.values import ident, text


def _title(value: str) -> str:
    return text(value, "title", label="Le titre", max_len=10, min_len=1)


def test_nothing_refused_raises_nothing_and_keeps_the_values() -> None:
    with Refusals() as refused:
        title = refused.check(_title, "Vélo")
        with refused.field():
            ident("c1", "consultation_id")
    assert title == "Vélo" and not refused.failed()


def test_one_refusal_is_raised_as_it_was() -> None:
    with pytest.raises(DomainError) as err, Refusals() as refused:
        refused.check(_title, "")
        refused.check(ident, "ok", "slug")
    assert type(err.value) is DomainError
    assert (err.value.code, err.value.field) == ("required", "title")


def test_every_independent_refusal_is_reported_in_order_the_first_one_outside() -> None:
    with pytest.raises(InvalidFields) as err, Refusals() as refused:
        assert refused.check(_title, "") is None
        with refused.field():
            ident("pas valide !", "slug")
        refused.check(text, "x" * 30, "summary", label="Le résumé", max_len=20)
    assert [(e.field, e.code) for e in err.value.errors] == [
        ("title", "required"), ("slug", "invalid_id"), ("summary", "too_long")]
    # whoever reads one DomainError reads the first
    assert isinstance(err.value, DomainError)
    assert (err.value.code, err.value.field, err.value.message) == (
        "required", "title", "Le titre est obligatoire.")
    assert refusals_of(err.value) == err.value.errors


def test_a_check_needing_a_refused_value_is_skipped() -> None:
    with pytest.raises(InvalidFields) as err, Refusals() as refused:
        refused.check(ident, "!", "phases.0.starts_at")
        refused.check(ident, "ok", "phases.0.ends_at")
        assert refused.failed("phases.0") and refused.failed("phases.0.starts_at")
        assert not refused.failed("phases.0.ends_at") and not refused.failed("phases.1")
        if not refused.failed("phases.0.starts_at", "phases.0.ends_at"):
            raise AssertionError("not reached")
        refused.check(ident, "!", "phases.1.title")
    assert [e.field for e in err.value.errors] == ["phases.0.starts_at", "phases.1.title"]


def test_a_refusal_raised_in_the_block_ends_it_after_the_gathered_ones() -> None:
    with pytest.raises(InvalidFields) as err, Refusals() as refused:
        refused.check(_title, "")
        raise DomainError("invalid_slug", "Adresse courte invalide.", field="slug")
    assert [e.code for e in err.value.errors] == ["required", "invalid_slug"]


def test_a_gathered_list_is_flattened_and_other_errors_pass_through() -> None:
    inner = InvalidFields([DomainError("a", "A.", field="x"), DomainError("b", "B.", field="y")])

    def both() -> None:
        raise inner

    with pytest.raises(InvalidFields) as err, Refusals() as refused:
        refused.check(both)
        refused.check(_title, "")
    assert [e.code for e in err.value.errors] == ["a", "b", "required"]
    with pytest.raises(KeyError), Refusals() as refused:
        refused.check(_title, "")
        raise KeyError("a bug, not a refusal")


def test_a_template_gives_a_fresh_copy_with_its_list() -> None:
    template = InvalidFields([DomainError("a", "A.", field="x"), DomainError("b", "B.")])
    copy = template()
    assert copy is not template and [e.code for e in copy.errors] == ["a", "b"]
    assert copy.errors[0] is not template.errors[0]
    with pytest.raises(ValueError):
        InvalidFields([])
