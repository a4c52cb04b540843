"""Opinion groups from an opinion matrix, after Pol.is:
- participants with fewer than `min_votes` opinions are left out (Pol.is: 7,
  or every statement when there are fewer);
- PCA to 2 components of the mean-imputed matrix (a truncated SVD of the sparse
  centred matrix, see matrix.py);
- optionally, each participant's projection is scaled by sqrt(statements / own
  opinions) (Pol.is's later "sparsity-aware" projection); off by default because
  without it our groups match the shipped Pol.is group-ids better (ADR 0017);
- two levels, as Pol.is: up to 100 base clusters by k-means, then k-means of the
  base-cluster centres (weighted by size) for k in 2..5, scored by the silhouette
  over the base-cluster centres, averaged over `RUNS` seeds (one run is noisy);
- the smallest k whose score is within `PARSIMONY` of the best wins: more groups
  must be clearly better (in the spirit of Pol.is's k smoother, which keeps the
  number of groups until another wins repeatedly)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.sparse.linalg import svds
from sklearn.cluster import KMeans
from sklearn.metrics import silhouette_score

from services.synthesis.groups.matrix import FloatArray, IntArray, OpinionMatrix

BASE_CLUSTERS = 100
RUNS = 3
PARSIMONY = 0.02


@dataclass(frozen=True, slots=True)
class GroupMap:
    participants: list[str]
    coords: FloatArray  # n x 2
    labels: IntArray  # n, in 0..k-1
    k: int
    silhouettes: dict[int, float]
    matrix: OpinionMatrix  # the grouped participants only


def project(matrix: OpinionMatrix, *, seed: int = 0, scale: bool = False) -> FloatArray:
    centred = matrix.centred()
    n, m = centred.shape
    if min(n, m) < 3:
        raise ValueError("au moins 3 participants et 3 propositions sont nécessaires")
    v0 = np.random.default_rng(seed).standard_normal(min(n, m))
    u, s, _ = svds(centred, k=2, v0=v0)
    order = np.argsort(-s)
    coords = u[:, order] * s[order]
    # A deterministic sign: the largest-magnitude coordinate of each axis is positive.
    signs = np.sign(coords[np.abs(coords).argmax(axis=0), [0, 1]])
    coords = coords * np.where(signs == 0, 1, signs)
    if scale:
        votes = np.maximum(matrix.votes_per_participant(), 1).astype(np.float64)
        coords = coords * np.sqrt(m / votes)[:, None]
    result: FloatArray = coords
    return result


def opinion_groups(
    matrix: OpinionMatrix, *, min_votes: int = 7, k_range: range = range(2, 6), seed: int = 0,
    scale: bool = False,
) -> GroupMap:
    threshold = min(min_votes, len(matrix.statements))
    grouped = matrix.keep_participants(matrix.votes_per_participant() >= threshold)
    coords = project(grouped, seed=seed, scale=scale)
    n_base = min(BASE_CLUSTERS, len(coords) // 2)
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
    best = max(silhouettes.values())
    k = min(k for k, score in silhouettes.items() if score >= best - PARSIMONY)
    labels = labels_of[k]
    return GroupMap(grouped.participants, coords, _relabel_by_size(labels, k), k,
                    silhouettes, grouped)


def _relabel_by_size(labels: IntArray, k: int) -> IntArray:
    """Group 0 is the largest: labels do not depend on k-means' arbitrary order."""
    sizes = np.bincount(labels, minlength=k)
    rank = np.empty(k, dtype=np.int64)
    rank[np.argsort(-sizes, kind="stable")] = np.arange(k)
    out: IntArray = rank[labels]
    return out
