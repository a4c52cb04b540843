"""Opinion groups of a consultation, from its opinions as the log holds them."""

from __future__ import annotations

from dataclasses import dataclass

from services.synthesis.groups.clustering import GroupMap, opinion_groups
from services.synthesis.groups.matrix import OpinionMatrix
from services.synthesis.groups.repness import (
    Consensus,
    Representative,
    consensus_statements,
    representative_statements,
)
from services.synthesis.groups.svgmap import opinion_map_svg
from services.synthesis.opinions import OpinionBook


@dataclass(frozen=True, slots=True)
class OpinionAnalysis:
    groups: GroupMap
    representative: dict[int, list[Representative]]
    consensus: list[Consensus]
    map_svg: str

    def group_of(self) -> dict[str, int]:
        return {p: int(g) for p, g in zip(self.groups.participants, self.groups.labels,
                                          strict=True)}


def analyse_opinions(book: OpinionBook, *, seed: int = 0, min_votes: int = 7) -> OpinionAnalysis:
    """Moderated-out statements (moderated == -1) and meta statements (about the
    conversation itself) are left out of the groups and of their statements, as
    Pol.is does."""
    kept = sorted((s for s in book.statements.values() if s.moderated != -1 and not s.is_meta),
                  key=lambda s: s.number)
    matrix = OpinionMatrix.from_latest(book.latest(), statements=[s.statement_id for s in kept])
    groups = opinion_groups(matrix, seed=seed, min_votes=min_votes)
    return OpinionAnalysis(groups, representative_statements(groups),
                           consensus_statements(groups), opinion_map_svg(groups))
