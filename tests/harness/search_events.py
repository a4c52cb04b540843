"""Envelopes of deposit, moderation, vote and identity events for the search tests,
each on its owning stream with consecutive versions, as the services write them;
and `snapshot`, what a set of queries finds in an index (two indexes fed the same
events in different ways must give the same one)."""

from __future__ import annotations

from datetime import UTC, datetime

from harness.events import Streams
from services.search.port import SearchIndex, SearchRequest

T0 = datetime(2024, 3, 1, 10, 0, tzinfo=UTC)
QUERIES = ["", "piste", "velo OR bus", '"garage a velos"', "tramway port", "gratuits -bus",
           "train"]


class Log(Streams):
    def __init__(self) -> None:
        super().__init__(T0)

    def proposal(self, cid: str, title: str, body: str, *, author: str = "u1",
                 moderation: str = "post", territory: str = "35", theme: str = "mobilite",
                 consultation: str = "cons1") -> None:
        self.add("deposit.ProposalSubmitted", f"contribution-{cid}", contribution_id=cid,
                 consultation_id=consultation, author_id=author, title=title, body=body,
                 theme_id=theme, territory=territory, moderation=moderation)

    def decide(self, cid: str, decision: str) -> None:
        self.add("moderation.DecisionMade", f"moderation-{cid}", contribution_id=cid,
                 consultation_id="cons1", moderator_id="m", decision=decision,
                 reason_code="r", campaign_group_id="")

    def withdraw(self, cid: str) -> None:
        self.add("deposit.ContributionWithdrawn", f"contribution-{cid}", contribution_id=cid,
                 consultation_id="cons1")

    def erase(self, participant: str) -> None:
        self.add("identity.ParticipantErased", f"identity-{participant}",
                 participant_id=participant)

    def level(self, participant: str, level: str) -> None:
        self.add("identity.IdentityLevelRaised", f"identity-{participant}",
                 participant_id=participant, level=level, method="magic_link")

    def ballot(self, item: str, voter: str, choice: str, previous: str | None = None) -> None:
        self.add("vote.BallotCast", f"ballot-{item}-{voter}", item_id=item,
                 consultation_id="cons1", phase_id="ph", phase_ends_at="2030-01-01T00:00:00Z",
                 participant_id=voter, ballot_kind="support", choice=choice,
                 qualifications=[], identity_level="email",
                 previous=None if previous is None else {"choice": previous})

    def response(self, cid: str, answers: list[tuple[str, str]], author: str = "u3") -> None:
        self.add("deposit.ResponseSubmitted", f"contribution-{cid}", contribution_id=cid,
                 consultation_id="cons1", questionnaire_id="q", author_id=author,
                 answers=[{"question_id": q, "option_ids": [], "other_text": "", "text": t}
                          for q, t in answers], moderation="post")


def sample() -> Log:
    log = Log()
    log.level("u1", "email")
    log.proposal("p1", "Pistes cyclables", "Des pistes cyclables séparées partout.")
    log.proposal("p2", "Vélo à l'école", "Un garage à vélos dans chaque école.", author="u2")
    log.proposal("p3", "Bus gratuits", "Des bus gratuits le week-end.", moderation="pre")
    log.proposal("p4", "Tramway", "Un tramway vers la gare.", territory="R53", theme="transport")
    log.decide("p3", "approved")
    log.ballot("p1", "v1", "support")
    log.ballot("p1", "v2", "support")
    log.ballot("p2", "v1", "support")
    log.ballot("p1", "v2", "neutral", previous="support")
    log.add("deposit.ContributionEdited", "contribution-p4", contribution_id="p4",
            consultation_id="cons1", title="", body="Un tramway vers la gare et le port.")
    log.response("r1", [("q1", "Plus de trains régionaux."), ("q2", "Des vélos en gare.")])
    return log


async def snapshot(index: SearchIndex) -> dict[str, object]:
    out: dict[str, object] = {}
    for q in QUERIES:
        page = await index.search(SearchRequest(query=q, page_size=100, sort="date"))
        out[q] = [(h.doc, h.snippet) for h in page.hits]
    return out
