"""Opinion groups from an opinion matrix, after the published Pol.is method:
- the statements given are those to cluster on (the caller leaves out the
  moderated-out and the meta statements);
- participants with at least `min_votes` opinions (Pol.is: 7, or every statement
  when there are fewer) are clustered; the others are projected and shown on the
  map (`others`), never put in a group;
- PCA to 2 components of the mean-imputed matrix of the clustered participants
  (a truncated SVD of the sparse centred matrix, see matrix.py);
- each participant's projection is scaled by sqrt(statements / own opinions), as
  Pol.is's sparsity-aware projection: without it, a participant who voted on few
  statements sits near the centre whatever their opinions, and heavy-tailed
  participation makes groups of "few votes" instead of opinions (ADR 0064);
- two levels, as Pol.is: up to 100 base clusters by k-means, then k-means of the
  base-cluster centres (weighted by size) for k in 2..max-k (Pol.is: at most 5,
  and 2 + base clusters / 12), and the k with the best silhouette over the base
  clusters wins; the silhouettes are averaged over `RUNS` seeds, in place of
  Pol.is's smoother over successive updates (one run is noisy)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from scipy.sparse.linalg import svds

from services.synthesis.groups.matrix import FloatArray, IntArray, OpinionMatrix

BASE_CLUSTERS = 100
RUNS = 3
MAX_K = 5


@dataclass(frozen=True, slots=True)
class GroupMap:
    participants: list[str]
    coords: FloatArray  # n x 2
    labels: IntArray  # n, in 0..k-1
    k: int
    silhouettes: dict[int, float]
    matrix: OpinionMatrix  # the grouped participants only
    others: list[str] = field(default_factory=list)  # projected, too few votes to group
    other_coords: FloatArray = field(default_factory=lambda: np.zeros((0, 2)))


def project(matrix: OpinionMatrix, *, seed: int = 0, scale: bool = True,
            also: OpinionMatrix | None = None) -> tuple[FloatArray, FloatArray]:
    """Coordinates of `matrix`'s participants on its first two principal axes, and
    of `also`'s participants (same statements) on the same axes and centre."""
    centred = matrix.centred()
    n, m = centred.shape
    if min(n, m) < 3:
        raise ValueError("au moins 3 participants et 3 propositions sont nécessaires")
    v0 = np.random.default_rng(seed).standard_normal(min(n, m))
    _, s, vt = svds(centred, k=2, v0=v0)
    axes = vt[np.argsort(-s)]
    coords = centred @ axes.T
    # A deterministic sign: the largest-magnitude coordinate of each axis is positive.
    signs = np.sign(coords[np.abs(coords).argmax(axis=0), [0, 1]])
    axes = axes * np.where(signs == 0, 1, signs)[:, None]
    other = also if also is not None else OpinionMatrix([], matrix.statements,
                                                       matrix.opinions[:0])
    return (_scaled(matrix, centred, axes, scale),
            _scaled(other, other.centred(around=matrix), axes, scale))


def _scaled(matrix: OpinionMatrix, centred: sparse.csr_matrix, axes: FloatArray, scale: bool
            ) -> FloatArray:
    """Projections on `axes`, each scaled by sqrt(statements / own opinions) when
    `scale` (Pol.is's sparsity-aware projection)."""
    coords: FloatArray = np.asarray(centred @ axes.T)
    if scale:
        votes = np.maximum(matrix.votes_per_participant(), 1).astype(np.float64)
        coords = coords * np.sqrt(len(matrix.statements) / votes)[:, None]
    return coords


def opinion_groups(
    matrix: OpinionMatrix, *, min_votes: int = 7, k_range: range | None = None,
    seed: int = 0, scale: bool = True,
) -> GroupMap:
    # imported here: scikit-learn costs ~1 s at import, and every front and
    # worker imports this module (the opinion-group handlers) without clustering
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    threshold = min(min_votes, len(matrix.statements))
    enough = matrix.votes_per_participant() >= threshold
    grouped, others = matrix.keep_participants(enough), matrix.keep_participants(~enough)
    coords, other_coords = project(grouped, seed=seed, scale=scale, also=others)
    n_base = min(BASE_CLUSTERS, len(coords) // 2)
    if k_range is None:  # Pol.is: max-k = min(5, 2 + base clusters / 12)
        k_range = range(2, min(MAX_K, 2 + n_base // 12) + 1)
    scores: dict[int, list[float]] = {k: [] for k in k_range if k < n_base}
    labels_of: dict[int, IntArray] = {}
    for run in range(RUNS):
        base = KMeans(n_clusters=n_base, n_init=1, random_state=seed + run).fit(coords)
        centres, weights = base.cluster_centers_, np.bincount(base.labels_, minlength=n_base)
        for k in scores:
            top = KMeans(n_clusters=k, n_init=10, random_state=seed + run).fit(
                centres, sample_weight=weights)
            if len(set(top.labels_.tolist())) < 2:
                scores[k].append(-1.0)
                continue
            scores[k].append(float(silhouette_score(centres, top.labels_)))
            if run == 0:
                labels_of[k] = top.labels_[base.labels_].astype(np.int64)
    silhouettes = {k: float(np.mean(v)) for k, v in scores.items() if k in labels_of}
    if not silhouettes:
        raise ValueError("pas assez de participants pour former des groupes")
    k = max(sorted(silhouettes), key=silhouettes.__getitem__)
    return GroupMap(grouped.participants, coords, _relabel_by_size(labels_of[k], k), k,
                    silhouettes, grouped, others.participants, other_coords)


def _relabel_by_size(labels: IntArray, k: int) -> IntArray:
    """Group 0 is the largest: labels do not depend on k-means' arbitrary order."""
    sizes = np.bincount(labels, minlength=k)
    rank = np.empty(k, dtype=np.int64)
    rank[np.argsort(-sizes, kind="stable")] = np.arange(k)
    out: IntArray = rank[labels]
    return out
