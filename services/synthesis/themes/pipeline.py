"""One theme synthesis run.

Hashing TF-IDF (no vocabulary held in memory beyond the stem cache) and
MiniBatchKMeans, both seeded: the run is a reproducible snapshot of its input.
Copy-paste campaigns (groups found by moderation) enter the clustering once, by
their first contribution, and are reported apart with their number of copies,
so a campaign cannot make a theme."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence

import numpy as np
from scipy import sparse
from sklearn.cluster import MiniBatchKMeans
from sklearn.feature_extraction.text import HashingVectorizer, TfidfTransformer
from sklearn.utils import murmurhash3_32

from services.synthesis.groups.matrix import FloatArray, IntArray
from services.synthesis.themes.french import FrenchAnalyzer
from services.synthesis.themes.model import (
    CampaignReport,
    Contribution,
    RunParameters,
    Theme,
    ThemeRun,
)


def synthesise_themes(
    contributions: Sequence[Contribution],
    parameters: RunParameters,
    *,
    campaign_of: Mapping[str, str] | None = None,
) -> ThemeRun:
    kept, copies = _one_per_campaign(contributions, campaign_of or {})
    analyzer = FrenchAnalyzer()
    hashing = HashingVectorizer(analyzer=analyzer, n_features=parameters.n_features,
                                alternate_sign=False, norm=None)
    counts = hashing.transform(c.text for c in kept)
    tfidf = TfidfTransformer(sublinear_tf=True).fit_transform(counts)
    k = min(parameters.n_themes, len(kept))
    kmeans = MiniBatchKMeans(n_clusters=k, random_state=parameters.seed, n_init=3,
                             batch_size=parameters.batch_size)
    labels = kmeans.fit_predict(tfidf)
    centres = kmeans.cluster_centers_
    term_of = _terms_by_feature(analyzer, parameters.n_features)
    closeness = _closeness(tfidf, centres, labels)

    members: dict[int, list[int]] = defaultdict(list)
    for i, label in enumerate(labels.tolist()):
        members[label].append(i)
    themes: list[Theme] = []
    for t in range(k):
        idx = members.get(t, [])
        words = _top_words(centres[t], term_of, analyzer, parameters.label_terms)
        nearest = sorted(idx, key=lambda i: (-closeness[i], kept[i].contribution_id))
        per_day = Counter(kept[i].day.isoformat() for i in idx)
        themes.append(Theme(
            theme_id=t, label=", ".join(words), terms=words, size=len(idx),
            verbatims=[kept[i].contribution_id for i in nearest[: parameters.verbatims]],
            per_day=dict(sorted(per_day.items())),
            contribution_ids=sorted(kept[i].contribution_id for i in idx)))
    themes.sort(key=lambda th: (-th.size, th.label))
    theme_of = {kept[i].contribution_id: int(labels[i]) for i in range(len(kept))}
    campaigns = [CampaignReport(campaign_id=cid, copies=n, representative_id=rep,
                                theme_id=theme_of[rep])
                 for cid, (rep, n) in sorted(copies.items())]
    return ThemeRun(parameters, len(contributions), themes, campaigns)


def _one_per_campaign(
    contributions: Sequence[Contribution], campaign_of: Mapping[str, str],
) -> tuple[list[Contribution], dict[str, tuple[str, int]]]:
    """Contributions with each campaign reduced to its first member (by day, id);
    campaign -> (representative id, copies)."""
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
        out[abs(murmurhash3_32(term, seed=0)) % n_features].append(term)
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
