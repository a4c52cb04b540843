"""Open-text themes on a generated French corpus with planted themes and a
planted copy-paste campaign."""

from __future__ import annotations

import json

import pytest
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.metrics import adjusted_rand_score

from services.synthesis.themes import counting
from services.synthesis.themes.demo_corpus import THEMES, generate
from services.synthesis.themes.french import FrenchAnalyzer, fold_accents
from services.synthesis.themes.model import RunParameters, ThemeRun
from services.synthesis.themes.pipeline import _terms_by_feature, synthesise_themes

PARAMS = RunParameters(n_themes=len(THEMES), seed=7, log_position={"0": 2300})


@pytest.fixture(scope="module")
def corpus():
    return generate(2000, seed=3, campaign_copies=300, theme_words=4, shared_words=6)


@pytest.fixture(scope="module")
def run(corpus) -> ThemeRun:
    return synthesise_themes(corpus.contributions, PARAMS, campaign_of=corpus.campaign_of)


def test_french_normalisation() -> None:
    analyze = FrenchAnalyzer()
    terms = analyze("Les Régions et la region doivent être écoutées, pas les ÉLUS !")
    assert terms.count(terms[0]) == 2  # "Régions", "region": one term, accents folded
    assert not {"les", "et", "la", "etre", "pas"} & set(terms)
    assert fold_accents("éèçà") == "eeca"
    assert analyze.word_for(terms[0]) in {"régions", "region"}


def test_placeholders_of_masked_data_are_not_words_of_a_theme() -> None:
    """« masqué » and « téléphone » came out among a theme's characteristic words
    from « [téléphone masqué] », which is not what anyone wrote."""
    analyze = FrenchAnalyzer()
    terms = analyze("Appelez le [téléphone masqué] ou [nom masqué], mais un visage masqué "
                    "au carnaval reste un visage.")
    assert "telephon" not in terms and "nom" not in terms
    assert terms.count("masqu") == 1 and terms.count("visag") == 2


def test_labels_map_back_from_hashed_features() -> None:
    analyze = FrenchAnalyzer()
    analyze("pistes cyclables")
    hashing = HashingVectorizer(analyzer=analyze, n_features=2**10, alternate_sign=False)
    row = hashing.transform(["cyclables"])
    assert _terms_by_feature(analyze, 2**10)[int(row.indices[0])] == ["cyclabl"]


def test_term_counts_are_those_of_the_hashing_vectorizer(corpus, monkeypatch) -> None:
    # Counted a block of texts at a time, each distinct white-space piece analysed once:
    # the matrix and the label words must be those of the analyser run per text.
    monkeypatch.setattr(counting, "_BLOCK", 7)
    texts = [c.text for c in corpus.contributions[:40]] + [
        "", "   ", "Vélos,vélos ; VÉLO\u00a0vélo\u2003bus-train l'ISF", "taxe \x00 impôts\x00",
        "\x00", "ΟΔΟΣ ΣΑΣ", "4x4 écoles_rurales 2e² x", "Hôpital hôpitaux HOPITAL"]
    expected, found = FrenchAnalyzer(), FrenchAnalyzer()
    reference = HashingVectorizer(analyzer=expected, n_features=2**10, alternate_sign=False,
                                  norm=None).transform(texts)
    counts = counting.count_terms(texts, found, 2**10)
    assert counts.shape == reference.shape
    assert (counts != reference).nnz == 0
    assert found.surface == expected.surface


def test_planted_themes_are_found(corpus, run: ThemeRun) -> None:
    found = {cid: t.theme_id for t in run.themes for cid in t.contribution_ids}
    ids = sorted(corpus.theme_of)
    ari = adjusted_rand_score([corpus.theme_of[i] for i in ids], [found[i] for i in ids])
    print(f"themes ARI vs planted: {ari:.3f}; labels: {[t.label for t in run.themes]}")
    assert ari >= 0.7
    vocab = {w.lower() for words in THEMES.values() for w in words}
    for theme in run.themes:
        assert theme.terms and all(w in vocab or " " not in w for w in theme.terms)
        assert any(w in vocab for w in theme.terms), theme.label
        assert sum(theme.per_day.values()) == theme.size == len(theme.contribution_ids)
        assert set(theme.verbatims) <= set(theme.contribution_ids)


def test_campaign_is_counted_once_and_reported_apart(corpus, run: ThemeRun) -> None:
    assert len(run.campaigns) == 1
    campaign = run.campaigns[0]
    assert (campaign.campaign_id, campaign.copies) == ("campagne-1", 300)
    copies = set(corpus.campaign_of)
    in_themes = [cid for t in run.themes for cid in t.contribution_ids if cid in copies]
    assert in_themes == [campaign.representative_id]
    assert sum(t.size for t in run.themes) == 2000 + 1
    assert run.contributions == 2300


def test_without_the_campaign_mapping_copies_dominate_a_theme() -> None:
    # Why the mapping matters: 1,500 copies outweigh any planted theme.
    corpus = generate(1200, seed=3, campaign_copies=1500)
    blind = synthesise_themes(corpus.contributions, PARAMS)
    aware = synthesise_themes(corpus.contributions, PARAMS, campaign_of=corpus.campaign_of)
    assert max(t.size for t in blind.themes) >= 1500
    assert max(t.size for t in aware.themes) < 400


def test_same_input_and_seed_give_the_same_run(corpus, run: ThemeRun) -> None:
    again = synthesise_themes(corpus.contributions, PARAMS, campaign_of=corpus.campaign_of)
    assert json.dumps(again.to_dict(), sort_keys=True) == json.dumps(run.to_dict(),
                                                                     sort_keys=True)
    assert run.to_dict()["parameters"]["seed"] == 7
    assert run.to_dict()["parameters"]["log_position"] == {"0": 2300}
