"""One theme synthesis run.

Hashing TF-IDF (no vocabulary held in memory beyond the stem cache and the
distinct pieces of counting.py) and MiniBatchKMeans, both seeded: the run is a
reproducible snapshot of its input.
Copy-paste campaigns (groups found by moderation) enter the clustering once, by
their first contribution, and are reported apart with their number of copies,
so a campaign cannot make a theme."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from datetime import date

import numpy as np
import numpy.typing as npt
from scipy import sparse
from threadpoolctl import threadpool_limits

from services.synthesis.groups.matrix import FloatArray, IntArray
from services.synthesis.themes.counting import count_terms, feature_of
from services.synthesis.themes.french import FrenchAnalyzer
from services.synthesis.themes.model import (
    CampaignReport,
    Contribution,
    RunParameters,
    Theme,
    ThemeRun,
)

BoolArray = npt.NDArray[np.bool_]


def synthesise_themes(
    contributions: Sequence[Contribution],
    parameters: RunParameters,
    *,
    campaign_of: Mapping[str, str] | None = None,
) -> ThemeRun:
    kept, copies = _one_per_campaign(contributions, campaign_of or {})
    analyzer = FrenchAnalyzer()
    counts = count_terms([c.text for c in kept], analyzer, parameters.n_features)
    # scikit-learn is imported where it works, not with the module: every process
    # imports this one (the synthesis handlers) and most never cluster (ADR 0084)
    from sklearn.feature_extraction.text import TfidfTransformer

    tfidf = TfidfTransformer(sublinear_tf=True).fit_transform(counts)
    k = min(parameters.n_themes, len(kept))
    compact, used = _used_columns(tfidf)
    labels, compact_centres = _clusters(compact, k, parameters)
    centres: FloatArray = np.zeros((k, tfidf.shape[1]))
    centres[:, used] = compact_centres
    term_of = _terms_by_feature(analyzer, parameters.n_features)
    closeness = _closeness(compact, compact_centres, labels)

    ids = [c.contribution_id for c in kept]
    rank = _rank(ids)
    sizes = np.bincount(labels, minlength=k)
    first = np.concatenate([[0], np.cumsum(sizes)])  # theme t: [first[t], first[t + 1])
    by_id = np.lexsort((rank, labels))  # members of each theme, by contribution id
    by_closeness = np.lexsort((rank, -closeness, labels))  # nearest the centre first
    per_day = _per_day(kept, labels, k)
    themes: list[Theme] = []
    for t in range(k):
        words = _top_words(centres[t], term_of, analyzer, parameters.label_terms)
        nearest = by_closeness[first[t]:first[t] + min(parameters.verbatims, sizes[t])]
        themes.append(Theme(
            theme_id=t, label=", ".join(words), terms=words, size=int(sizes[t]),
            verbatims=[ids[i] for i in nearest.tolist()],
            per_day=per_day[t],
            contribution_ids=list(map(ids.__getitem__, by_id[first[t]:first[t + 1]].tolist()))))
    themes.sort(key=lambda th: (-th.size, th.label))
    theme_of = dict(zip(ids[len(ids) - len(copies):], labels[len(ids) - len(copies):].tolist(),
                        strict=True))  # representatives come last
    campaigns = [CampaignReport(campaign_id=cid, copies=n, representative_id=rep,
                                theme_id=theme_of[rep])
                 for cid, (rep, n) in sorted(copies.items())]
    return ThemeRun(parameters, len(contributions), themes, campaigns)


def _used_columns(tfidf: sparse.csr_matrix) -> tuple[sparse.csr_matrix, BoolArray]:
    """The matrix without the columns no contribution uses, and which columns are kept.
    Those columns are zero in every row and so in every k-means centre: dropped,
    they cost nothing in each k-means step (their width is that of the hashing)."""
    used: BoolArray = np.bincount(tfidf.indices, minlength=tfidf.shape[1]) > 0
    column = (np.cumsum(used) - 1).astype(tfidf.indices.dtype)
    compact = sparse.csr_matrix((tfidf.data, column[tfidf.indices], tfidf.indptr),
                                shape=(tfidf.shape[0], int(used.sum())))
    return compact, used


def _clusters(tfidf: sparse.csr_matrix, k: int,
              parameters: RunParameters) -> tuple[IntArray, FloatArray]:
    """MiniBatchKMeans labels and centres, on one thread: a step is a few
    milliseconds of work (one batch, the used columns), less than what OpenMP
    threads cost to wake and join hundreds of times, the more so on a loaded
    machine (1,000,000 contributions, 645 steps: 6.6 s of CPU on one thread, 27 s
    on two). Same labels either way."""
    from sklearn.cluster import MiniBatchKMeans  # lazy: see synthesise_themes

    kmeans = MiniBatchKMeans(n_clusters=k, random_state=parameters.seed, n_init=3,
                             batch_size=parameters.batch_size)
    with threadpool_limits(limits=1, user_api="openmp"):
        labels: IntArray = kmeans.fit_predict(tfidf)
    centres: FloatArray = kmeans.cluster_centers_
    return labels, centres


def _rank(ids: list[str]) -> IntArray:
    """Each id's position in id order (ids are unique)."""
    rank: IntArray = np.empty(len(ids), dtype=np.int64)
    rank[sorted(range(len(ids)), key=ids.__getitem__)] = np.arange(len(ids))
    return rank


def _per_day(kept: Sequence[Contribution], labels: IntArray,
             k: int) -> list[dict[str, int]]:
    """Theme -> ISO day -> contributions, days in order."""
    day_code: dict[date, int] = {}
    codes = np.fromiter((day_code.setdefault(c.day, len(day_code)) for c in kept),
                        dtype=np.int64, count=len(kept))
    counts = np.bincount(labels * len(day_code) + codes,
                         minlength=k * len(day_code)).reshape(k, len(day_code))
    iso = [day.isoformat() for day in day_code]
    return [dict(sorted((iso[d], int(row[d])) for d in np.flatnonzero(row).tolist()))
            for row in counts]


def _one_per_campaign(
    contributions: Sequence[Contribution], campaign_of: Mapping[str, str],
) -> tuple[list[Contribution], dict[str, tuple[str, int]]]:
    """Contributions with each campaign reduced to its first member (by day, id),
    these representatives last, in id order; campaign -> (representative id, copies)."""
    kept: list[Contribution] = []
    first: dict[str, Contribution] = {}
    size: Counter[str] = Counter()
    for c in contributions:
        campaign = campaign_of.get(c.contribution_id)
        if campaign is None:
            kept.append(c)
            continue
        size[campaign] += 1
        best = first.get(campaign)
        if best is None or (c.day, c.contribution_id) < (best.day, best.contribution_id):
            first[campaign] = c
    kept.extend(sorted(first.values(), key=lambda c: c.contribution_id))
    return kept, {cid: (first[cid].contribution_id, size[cid]) for cid in first}


def _closeness(tfidf: sparse.csr_matrix, centres: FloatArray, labels: IntArray) -> FloatArray:
    """Each row's dot product with its own centre, without a dense n x features array."""
    rows = np.repeat(np.arange(tfidf.shape[0]), np.diff(tfidf.indptr))
    weights = tfidf.data * centres[labels[rows], tfidf.indices]
    out: FloatArray = np.bincount(rows, weights=weights, minlength=tfidf.shape[0]).astype(
        np.float64)
    return out


def _terms_by_feature(analyzer: FrenchAnalyzer, n_features: int) -> dict[int, list[str]]:
    """Hashed feature -> the terms that fall in it (same hash as HashingVectorizer)."""
    out: dict[int, list[str]] = defaultdict(list)
    for term in analyzer.surface:
        out[feature_of(term, n_features)].append(term)
    return out


def _top_words(centre: FloatArray, term_of: Mapping[int, list[str]],
               analyzer: FrenchAnalyzer, n: int) -> list[str]:
    words: list[str] = []
    for feature in np.argsort(-centre, kind="stable")[: n * 4]:
        if centre[feature] <= 0:
            break
        for term in sorted(term_of.get(int(feature), [])):
            word = analyzer.word_for(term)
            if word not in words:
                words.append(word)
        if len(words) >= n:
            break
    return words[:n]
