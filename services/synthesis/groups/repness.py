"""Representative statements per group and consensus statements, after Pol.is.

For a group and a statement, p = (n_agree + 1) / (n_cast + 2) (Laplace-smoothed,
passes count as cast). A statement represents a group's agreement when the group
agrees more than the others (ratio p_in / p_out, two-proportion z-test at 90%
one-sided) and a majority of the group agrees; same for disagreement. A consensus
statement is one every group agrees with (or disagrees with) by a majority,
ranked by the product of the groups' probabilities. A one-person group speaks
for nobody but its member: it has no representative statement and does not
count in the consensus (Pol.is). Meta statements never reach here: they are
not in the matrix (analysis.py)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from services.synthesis.groups.clustering import GroupMap
from services.synthesis.groups.matrix import FloatArray

Z_90 = 1.2816
MIN_GROUP = 2  # a group of one has no representative statement, no say in consensus


@dataclass(frozen=True, slots=True)
class Representative:
    statement_id: str
    direction: str  # "agree" | "disagree"
    p_in: float
    p_out: float
    ratio: float
    z: float


@dataclass(frozen=True, slots=True)
class Consensus:
    statement_id: str
    direction: str
    probability: float  # product over groups


def _z(p1: FloatArray, n1: FloatArray, p2: FloatArray, n2: FloatArray) -> FloatArray:
    pooled = (p1 * n1 + p2 * n2) / np.maximum(n1 + n2, 1)
    se = np.sqrt(np.maximum(pooled * (1 - pooled) * (1 / np.maximum(n1, 1) + 1 / np.maximum(n2, 1)),
                            1e-12))
    out: FloatArray = (p1 - p2) / se
    return out


def representative_statements(groups: GroupMap, *, top: int = 5) -> dict[int, list[Representative]]:
    agree, disagree, cast = groups.matrix.counts_by(groups.labels, groups.k)
    sizes = np.bincount(groups.labels, minlength=groups.k)
    out: dict[int, list[Representative]] = {}
    for g in range(groups.k):
        found: list[Representative] = []
        if sizes[g] < MIN_GROUP:
            out[g] = found
            continue
        for direction, counts in (("agree", agree), ("disagree", disagree)):
            n_in, c_in = cast[g], counts[g]
            n_out, c_out = cast.sum(0) - n_in, counts.sum(0) - c_in
            p_in, p_out = (c_in + 1) / (n_in + 2), (c_out + 1) / (n_out + 2)
            z = _z(p_in, n_in, p_out, n_out)
            for j in np.flatnonzero((p_in > 0.5) & (z > Z_90)):
                found.append(Representative(groups.matrix.statements[j], direction,
                                            float(p_in[j]), float(p_out[j]),
                                            float(p_in[j] / p_out[j]), float(z[j])))
        found.sort(key=lambda r: (-r.ratio * r.p_in, r.statement_id))
        out[g] = found[:top]
    return out


def consensus_statements(groups: GroupMap, *, top: int = 5) -> list[Consensus]:
    agree, disagree, cast = groups.matrix.counts_by(groups.labels, groups.k)
    real = np.bincount(groups.labels, minlength=groups.k) >= MIN_GROUP
    found: list[Consensus] = []
    for direction, counts in (("agree", agree), ("disagree", disagree)):
        p = ((counts + 1) / (cast + 2))[real]
        for j in np.flatnonzero((p > 0.5).all(axis=0)):
            found.append(Consensus(groups.matrix.statements[j], direction,
                                   float(np.prod(p[:, j]))))
    found.sort(key=lambda c: (-c.probability, c.statement_id))
    return found[:top]
