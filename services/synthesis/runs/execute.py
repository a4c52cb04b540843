"""The computation of a run, pure and seeded: a full run clusters the published
input with the themes pipeline; an incremental run keeps the validated themes of
its base run and gives each new contribution to the nearest theme centre.
Same input + same parameters -> the same result, to the byte."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from services.core.values import fold_accents
from services.synthesis.runs.corpus import Snapshot
from services.synthesis.themes.counting import count_terms
from services.synthesis.themes.french import FrenchAnalyzer
from services.synthesis.themes.model import Contribution, RunParameters
from services.synthesis.themes.pipeline import synthesise_themes

MAX_THEMES = 50
TOO_FEW = ("Trop peu de textes pour cette analyse : {n} dans son périmètre, il en faut au "
           "moins {k} (un par thème demandé). Choisissez moins de thèmes ou un périmètre "
           "plus large.")


@dataclass(frozen=True, slots=True)
class BaseTheme:
    """A validated theme of the base run (incremental runs)."""

    theme_id: str
    label: str
    terms: list[str]
    verbatims: list[str]
    members: list[str]


@dataclass(slots=True)
class RunResult:
    parameters: dict[str, Any]
    contributions: int
    themes: list[dict[str, Any]]  # {theme_id, label, terms, size, verbatims, per_day}
    members: dict[str, list[dict[str, str]]]  # theme_id -> [{id, day}]
    campaigns: list[dict[str, Any]] = field(default_factory=list)


def too_few(texts: int, n_themes: int) -> str | None:
    """Why a full run over `texts` texts cannot make `n_themes` themes (one text a
    theme at least), None when it can: the run's check, and its request's."""
    return TOO_FEW.format(n=texts, k=n_themes) if texts < n_themes else None


def full_run(snapshot: Snapshot, *, n_themes: int, seed: int) -> RunResult:
    docs = sorted(snapshot.docs, key=lambda d: d["id"])  # any source order: one result
    params = RunParameters(n_themes=n_themes, seed=seed, log_position=dict(snapshot.position))
    refused = too_few(len(docs), n_themes)
    if refused:  # a question with a handful of answers: said, not clustered
        raise ValueError(refused)
    contributions = [Contribution(d["id"], d["text"], date.fromisoformat(d["day"]))
                     for d in docs]
    run = synthesise_themes(contributions, params, campaign_of=snapshot.campaign_of)
    day_of = {d["id"]: d["day"] for d in docs}
    themes, members = [], {}
    for t in run.themes:
        tid = f"t{t.theme_id + 1}"
        themes.append({"theme_id": tid, "label": t.label, "terms": t.terms, "size": t.size,
                       "verbatims": t.verbatims, "per_day": t.per_day})
        members[tid] = [{"id": i, "day": day_of[i]} for i in t.contribution_ids]
    campaigns = [{"campaign_id": c.campaign_id, "copies": c.copies,
                  "representative_id": c.representative_id, "theme_id": f"t{c.theme_id + 1}"}
                 for c in run.campaigns]
    return RunResult(_params(params, "full"), len(docs), _distinct_labels(themes), members,
                     campaigns)


def _distinct_labels(themes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Two themes labelled alike by their words get « (2) », « (3) »… after the
    first (largest first): the analysts' lists and the synthesis must tell them
    apart, as a rename must (runs.validation)."""
    seen: Counter[str] = Counter()
    for theme in sorted(themes, key=lambda t: (-t["size"], t["theme_id"])):
        folded = fold_accents(theme["label"]).casefold()
        seen[folded] += 1
        if seen[folded] > 1:
            theme["label"] = f"{theme['label']} ({seen[folded]})"
    return themes


def incremental_run(snapshot: Snapshot, base: list[BaseTheme], *, seed: int,
                    base_run_id: str) -> RunResult:
    """Base themes keep their ids, names and members (those still published);
    each new contribution (a campaign by its first copy) joins the theme whose
    centre (mean TF-IDF of its members) is nearest."""
    by_id = {d["id"]: d for d in snapshot.docs}
    kept = [(t, [m for m in t.members if m in by_id]) for t in base]
    known = {m for _, ms in kept for m in ms}
    campaign_seen = {by_id[m]["campaign"] for m in known if by_id[m].get("campaign")}
    new, copies = _new_docs(snapshot.docs, known, campaign_seen)
    params = RunParameters(n_themes=len(base), seed=seed, log_position=dict(snapshot.position))
    assigned: dict[str, list[str]] = {t.theme_id: list(ms) for t, ms in kept}
    if new and any(ms for _, ms in kept):
        for doc_id, tid in _nearest(kept, new, by_id).items():
            assigned[tid].append(doc_id)
    themes: list[dict[str, Any]] = []
    members: dict[str, list[dict[str, str]]] = {}
    for t, _ in kept:
        ids = sorted(assigned[t.theme_id])
        if not ids:
            continue  # every member unpublished since, none new: nothing left to say
        per_day = Counter(by_id[i]["day"] for i in ids)
        themes.append({"theme_id": t.theme_id, "label": t.label, "terms": t.terms,
                       "size": len(ids), "verbatims": [v for v in t.verbatims if v in by_id],
                       "per_day": dict(sorted(per_day.items()))})
        members[t.theme_id] = [{"id": i, "day": by_id[i]["day"]} for i in ids]
    themes.sort(key=lambda th: (-th["size"], th["label"]))
    theme_of = {i["id"]: tid for tid, ms in members.items() for i in ms}
    campaigns = [{"campaign_id": c, "copies": n, "representative_id": rep,
                  "theme_id": theme_of.get(rep, "")} for c, (rep, n) in sorted(copies.items())]
    out = _params(params, "incremental")
    out["base_run_id"] = base_run_id
    return RunResult(out, len(snapshot.docs), themes, members, campaigns)


def _new_docs(docs: list[dict[str, Any]], known: set[str], campaign_seen: set[str],
              ) -> tuple[list[str], dict[str, tuple[str, int]]]:
    """New doc ids (one per campaign, its earliest), and campaign -> (representative, copies)."""
    new: list[str] = []
    first: dict[str, dict[str, Any]] = {}
    size: Counter[str] = Counter()
    for d in docs:
        campaign = d.get("campaign") or ""
        if campaign:
            size[campaign] += 1
            if d["id"] in known:
                first[campaign] = d
            elif campaign not in campaign_seen:
                best = first.get(campaign)
                if best is None or (d["day"], d["id"]) < (best["day"], best["id"]):
                    first[campaign] = d
        elif d["id"] not in known:
            new.append(d["id"])
    new += sorted(first[c]["id"] for c in first if c not in campaign_seen)
    return sorted(new), {c: (first[c]["id"], size[c]) for c in first}


def _nearest(kept: list[tuple[BaseTheme, list[str]]], new: list[str],
             by_id: dict[str, dict[str, Any]]) -> dict[str, str]:
    old = [(t.theme_id, m) for t, ms in kept for m in ms]
    texts = [by_id[m]["text"] for _, m in old] + [by_id[i]["text"] for i in new]
    counts = count_terms(texts, FrenchAnalyzer(), 2**18)
    from sklearn.feature_extraction.text import TfidfTransformer  # lazy: ADR 0084

    tfidf = TfidfTransformer(sublinear_tf=True).fit_transform(counts)
    theme_ids = [t.theme_id for t, ms in kept if ms]
    row_theme = np.array([theme_ids.index(tid) for tid, _ in old])
    centres = np.vstack([np.asarray(tfidf[:len(old)][row_theme == k].mean(axis=0))
                         for k in range(len(theme_ids))])
    scores = tfidf[len(old):] @ centres.T
    best = np.argmax(np.asarray(scores), axis=1)  # ties: the first theme, stable
    return {doc_id: theme_ids[int(k)] for doc_id, k in zip(new, best, strict=True)}


def _params(params: RunParameters, mode: str) -> dict[str, Any]:
    return {"mode": mode, "n_themes": params.n_themes, "seed": params.seed,
            "n_features": params.n_features, "label_terms": params.label_terms,
            "verbatims": params.verbatims, "batch_size": params.batch_size}
