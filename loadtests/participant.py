"""A participant's journey in LOADTEST_CONSULTATION: an anonymous session (the
proof of work solved), a deposit, the vote sequence, ballots on its items, one
ballot withdrawn, "mes votes", and the deposit withdrawn. Then a new journey,
as a new participant (a fresh session)."""

from __future__ import annotations

from locust import between, task
from parlons_load import CONSULTATION, Participant


class ParticipantJourney(Participant):
    wait_time = between(1.0, 3.0)

    @task
    def journey(self) -> None:
        self.client.cookies.clear()
        self.page(f"/consultations/{CONSULTATION}", "/consultations/{slug}")
        self.open_session()
        proposal = self.deposit()
        cast = [item for item in self.sequence() if item and self.ballot(item)]
        if cast:
            self.write(f"/api/items/{cast[0]}/ballot/withdraw",
                       "/api/items/{item_id}/ballot/withdraw", {"kind": "agree"},
                       ok=(200, 204, 422))  # 422: that ballot was a support, not agree
        self.page("/mes-votes", "/mes-votes")
        if proposal:
            self.write(f"/api/contributions/{proposal}/withdraw",
                       "/api/contributions/{contribution_id}/withdraw")
