"""Stream names of the identity service and appending to them."""

from __future__ import annotations

TOPIC = "identity.events"


def participant_stream(participant_id: str) -> str:
    return f"identity-{participant_id}"


def consultation_settings_stream(consultation_id: str) -> str:
    return f"identity-consultation-{consultation_id}"


def sessions_stream(subject: str) -> str:
    return f"identity-sessions-{subject}"


def pseudonym_stream(pseudonym_key: str) -> str:
    return f"identity-pseudonym-{pseudonym_key}"

