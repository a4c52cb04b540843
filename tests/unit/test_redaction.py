"""Redaction of participants' texts (ADR 0044): what `redact` writes, what it
tells moderators, and the upcasters that redact events written before it, so a
projection rebuilt from an older log shows what a new event holds."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

import services.deposit.events
import services.identity.events
import services.moderation.events  # noqa: F401 (registers the upcasters)
from services.core.envelope import Actor, Envelope
from services.core.personal_data import find, redact, redacted_kinds
from services.core.upcasting import upcast

TYPED = ("Écrivez à jeanne.martin@exemple.fr ou au 06 12 34 56 78, RIB "
         "FR76 3000 6000 0112 3456 7890 189, chez moi au 14 rue des Lilas, 29200 Brest.")
REDACTED = ("Écrivez à [courriel masqué] ou au [téléphone masqué], RIB [IBAN masqué], "
            "chez moi au [adresse postale masquée].")


def v1(event_type: str, data: dict[str, Any]) -> Envelope:
    return Envelope(type=event_type, schema_version=1, stream="s-1", stream_version=1,
                    data=data, actor=Actor("p-1", "participant"),
                    occurred_at=datetime(2026, 12, 1, tzinfo=UTC), correlation_id="c")


def test_redact_masks_every_identifier_and_is_stable() -> None:
    assert redact(TYPED) == REDACTED
    assert redact(REDACTED) == REDACTED and find(REDACTED) == []
    assert redact("Rendez-vous le 12/03 à 18:30, 2 places de parking.") == \
        "Rendez-vous le 12/03 à 18:30, 2 places de parking."


def test_redacted_kinds_reads_back_what_was_taken_out() -> None:
    assert redacted_kinds(REDACTED) == {"email": 1, "phone": 1, "iban": 1, "address": 1}
    assert redacted_kinds("Rien de masqué ici.") == {}


@pytest.mark.parametrize(("event_type", "data", "texts"), [
    ("deposit.ProposalSubmitted", {"title": "Appelez le 06 12 34 56 78", "body": TYPED},
     {"title": "Appelez le [téléphone masqué]", "body": REDACTED}),
    ("deposit.ArgumentSubmitted", {"body": TYPED}, {"body": REDACTED}),
    ("deposit.CommentSubmitted", {"body": TYPED}, {"body": REDACTED}),
    ("deposit.ContributionEdited", {"title": "", "body": TYPED}, {"title": "", "body": REDACTED}),
    ("moderation.ContributionFlagged", {"reason": TYPED}, {"reason": REDACTED}),
    ("moderation.AppealLodged", {"text": TYPED}, {"text": REDACTED}),
])
def test_texts_written_before_redaction_are_redacted_when_read(
        event_type: str, data: dict[str, Any], texts: dict[str, str]) -> None:
    event = upcast(v1(event_type, {"contribution_id": "k1", **data}))
    assert event.schema_version == 2
    assert {k: event.data[k] for k in texts} == texts and event.data["contribution_id"] == "k1"


def test_old_answers_are_redacted_and_malformed_ones_left_to_their_reader() -> None:
    event = upcast(v1("deposit.ResponseSubmitted", {"answers": [
        {"question_id": "q1", "option_ids": ["autre"], "other_text": TYPED, "text": ""},
        {"question_id": "q2", "option_ids": [], "other_text": "", "text": TYPED}, "bad"]}))
    assert [a["other_text"] if isinstance(a, dict) else a for a in event.data["answers"]] == \
        [REDACTED, "", "bad"]
    assert event.data["answers"][1]["text"] == REDACTED
    assert upcast(v1("deposit.ProposalSubmitted", {"body": 3})).data == {"body": 3}


def test_an_old_pseudonym_reservation_no_longer_names_its_participant() -> None:
    event = upcast(v1("identity.PseudonymReserved",
                      {"pseudonym_key": "ab" * 32, "participant_id": "p-1"}))
    assert event.schema_version == 2 and event.data == {"pseudonym_key": "ab" * 32}
