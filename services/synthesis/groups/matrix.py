"""The participants x statements opinion matrix, sparse.

Missing opinions are imputed with the statement's mean, as Pol.is does. Imputing
with the mean leaves the mean unchanged, so the *centred* imputed matrix is zero
wherever the opinion is missing: it is exactly the sparse matrix of
(opinion - statement mean) over the cast opinions. PCA of the imputed matrix is
therefore a truncated SVD of that sparse matrix, with no dense n x m array."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy import sparse

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class OpinionMatrix:
    participants: list[str]
    statements: list[str]
    opinions: sparse.csr_matrix  # 1 agree, -1 disagree, 0 pass; structure = cast opinions

    @classmethod
    def from_latest(
        cls, latest: Mapping[tuple[str, str], int], *, statements: Sequence[str] | None = None,
    ) -> OpinionMatrix:
        """From (participant, statement) -> opinion; `statements` restricts and orders
        the columns (e.g. without moderated-out statements)."""
        cols = list(statements) if statements is not None else sorted({s for _, s in latest})
        col_of = {s: j for j, s in enumerate(cols)}
        rows = sorted({p for p, s in latest if s in col_of})
        row_of = {p: i for i, p in enumerate(rows)}
        kept = [(row_of[p], col_of[s], v) for (p, s), v in latest.items() if s in col_of]
        r, c, v = (np.array(x) for x in zip(*kept, strict=True)) if kept else ([], [], [])
        return cls.from_arrays(rows, cols, np.asarray(r), np.asarray(c), np.asarray(v))

    @classmethod
    def from_arrays(cls, participants: list[str], statements: list[str], rows: npt.ArrayLike,
                    cols: npt.ArrayLike, values: npt.ArrayLike) -> OpinionMatrix:
        shape = (len(participants), len(statements))
        m = sparse.csr_matrix(
            (np.asarray(values, dtype=np.float64),
             (np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64))),
            shape=shape)
        # explicit zeros (passes) must stay: they are cast opinions
        return cls(participants, statements, m)

    def votes_per_participant(self) -> IntArray:
        out: IntArray = np.diff(self.opinions.indptr).astype(np.int64)
        return out

    def keep_participants(self, mask: npt.NDArray[np.bool_]) -> OpinionMatrix:
        idx = np.flatnonzero(mask)
        return OpinionMatrix([self.participants[i] for i in idx], self.statements,
                             self.opinions[idx])

    def centred(self, *, around: OpinionMatrix | None = None) -> sparse.csr_matrix:
        """Cast opinions minus their statement's mean (zero where missing); the
        means of `around` (same statements) when given."""
        m = self.opinions
        means = (around or self).statement_means()
        out = m.copy()
        out.data = out.data - means[out.indices]
        return out

    def statement_means(self) -> FloatArray:
        m = self.opinions
        counts = np.diff(m.tocsc().indptr).astype(np.float64)
        sums = np.asarray(m.sum(axis=0)).ravel()
        means: FloatArray = np.divide(sums, counts, out=np.zeros_like(sums), where=counts > 0)
        return means

    def counts_by(self, labels: IntArray, k: int) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Per group x statement: agrees, disagrees, cast opinions (passes included)."""
        onehot = sparse.csr_matrix(
            (np.ones(len(labels)), (labels, np.arange(len(labels)))), shape=(k, len(labels)))
        m = self.opinions
        agree = m.copy()
        agree.data = (agree.data > 0).astype(np.float64)
        disagree = m.copy()
        disagree.data = (disagree.data < 0).astype(np.float64)
        seen = m.copy()
        seen.data = np.ones_like(seen.data)
        return tuple(np.asarray((onehot @ x).todense()) for x in (agree, disagree, seen))  # type: ignore[return-value]
