"""Ids of new contributions, derived from what names the submission rather than
drawn per request (ADR 0038), so that every attempt of one submission names the
same contribution: a retry through another HTTP front is keyed to the same
partition of deposit.events and decided by the same replica, which finds the
first attempt there.

- A submission through the JSON API: from the participant and its
  Idempotency-Key. When the key is a UUIDv7 (what a client is asked to send),
  the id keeps its 48-bit time prefix; other keys give a hash. Ids do not sort
  by sending (a participant's contributions are listed by their sending time,
  ADR 0134).
- A questionnaire response: from the questionnaire and the participant, as the
  response's stream: one response per participant, ever, so two different
  answers of one person meet on one partition, where the second is refused.

HTML forms carry a one-time token (`cle`, a UUIDv7 made when the form is shown)
that is the proposal's, argument's or comment's id itself.
"""

from __future__ import annotations

import hashlib

from services.core.ids import request_id, uuid7_shaped


def submission_id(participant_id: str, request_key: str) -> str:
    """The id of the contribution `participant_id` submits under `request_key`."""
    return request_id("contribution", participant_id, request_key)


def response_id(questionnaire_id: str, participant_id: str) -> str:
    """The id of `participant_id`'s response to `questionnaire_id` (there is one)."""
    return uuid7_shaped(hashlib.sha256(
        f"response\n{questionnaire_id}\n{participant_id}".encode()).digest())

