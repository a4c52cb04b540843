"""Writing to a participant, as services other than identity see it: they know
a pseudonymous id, never an address. The identity service implements it over
its vault (the address is read at send time) and its mailer."""

from __future__ import annotations

from typing import Protocol


class ParticipantMail(Protocol):
    async def send(self, participant_id: str, subject: str, body: str) -> bool:
        """Send one message; False when the participant has no address (erased)."""
