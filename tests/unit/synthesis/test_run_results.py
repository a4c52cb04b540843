"""What an analysis hands the analysts: no theme left without a contribution by
an update, and no two themes labelled alike (a theme of 0 contributions shared
its label with another, and the merge list could not tell them apart)."""

from __future__ import annotations

from services.synthesis.runs.corpus import Snapshot
from services.synthesis.runs.execute import BaseTheme, full_run, incremental_run


def doc(n: int, text: str) -> dict[str, str]:
    return {"id": f"c{n:03d}", "text": text, "day": "2026-12-01", "campaign": ""}


def test_an_update_drops_a_theme_whose_contributions_all_left() -> None:
    docs = [doc(n, "Des pistes cyclables sûres le long des quais") for n in range(4)]
    base = [BaseTheme("t1", "pistes cyclables", ["pist"], [], ["c000", "c001"]),
            BaseTheme("t2", "hôpital", ["hopital"], [], ["c900", "c901"]),  # unpublished since
            BaseTheme("t3", "pistes sûres", ["sur"], [], ["c002", "c003"])]
    result = incremental_run(Snapshot(docs), base, seed=1, base_run_id="r0")
    assert [t["theme_id"] for t in result.themes] == ["t1", "t3"]
    assert set(result.members) == {"t1", "t3"}


def test_themes_labelled_alike_are_told_apart() -> None:
    texts = ["Des pistes cyclables le long des quais", "Des pistes cyclables vers les écoles",
             "Des pistes cyclables pour la gare", "Des pistes cyclables en centre-ville"]
    docs = [doc(n, texts[n % 4]) for n in range(40)]
    result = full_run(Snapshot(docs), n_themes=4, seed=3)
    labels = [t["label"].casefold() for t in result.themes]
    assert len(labels) == len(set(labels)), labels
