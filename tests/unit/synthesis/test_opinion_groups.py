"""Opinion groups on planted data: the sparse PCA equals a dense PCA of the
mean-imputed matrix, planted groups are found, representative and consensus
statements are the planted ones."""

from __future__ import annotations

import dataclasses

import numpy as np
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score

from services.synthesis.groups.clustering import opinion_groups, project
from services.synthesis.groups.matrix import OpinionMatrix
from services.synthesis.groups.repness import consensus_statements, representative_statements


def planted(groups: int = 3, per_group: int = 60, statements: int = 30, seed: int = 1):
    """Group g agrees with statements j % groups == g, disagrees with the others,
    except statement 0 that everybody agrees with; 30% of opinions missing,
    10% noise."""
    rng = np.random.default_rng(seed)
    latest: dict[tuple[str, str], int] = {}
    truth: dict[str, int] = {}
    for g in range(groups):
        for i in range(per_group):
            p = f"p{g}-{i}"
            truth[p] = g
            for j in range(statements):
                if rng.random() < 0.3 and j != 0:
                    continue
                v = 1 if (j == 0 or j % groups == g) else -1
                if rng.random() < 0.1:
                    v = int(rng.choice([-1, 0, 1]))
                latest[(p, f"s{j:02d}")] = v
    return latest, truth


def test_sparse_pca_equals_dense_pca_of_the_imputed_matrix() -> None:
    latest, _ = planted()
    m = OpinionMatrix.from_latest(latest)
    dense = np.full(m.opinions.shape, np.nan)
    coo = m.opinions.tocoo()
    dense[coo.row, coo.col] = coo.data
    means = np.nanmean(dense, axis=0)
    dense = np.where(np.isnan(dense), means, dense)
    expected = PCA(n_components=2).fit_transform(dense)
    ours, _ = project(m, scale=False)
    for axis in range(2):
        sign = np.sign(expected[:, axis] @ ours[:, axis])
        assert np.allclose(ours[:, axis], sign * expected[:, axis], atol=1e-8)


def test_passes_are_kept_as_cast_opinions() -> None:
    m = OpinionMatrix.from_latest({("a", "s1"): 0, ("a", "s2"): 1, ("b", "s1"): -1})
    assert m.votes_per_participant().tolist() == [2, 1]


def test_planted_groups_are_found_with_k_by_silhouette() -> None:
    latest, truth = planted(groups=3)
    result = opinion_groups(OpinionMatrix.from_latest(latest))
    assert result.k == 3
    assert adjusted_rand_score([truth[p] for p in result.participants], result.labels) == 1.0


def test_participants_with_too_few_votes_are_left_out() -> None:
    latest, _ = planted(groups=2)
    latest.update({("lurker", "s01"): 1, ("lurker", "s02"): -1})
    result = opinion_groups(OpinionMatrix.from_latest(latest))
    assert "lurker" not in result.participants
    assert result.others == ["lurker"] and result.other_coords.shape == (1, 2)


def test_representative_and_consensus_statements() -> None:
    latest, truth = planted(groups=2, statements=20)
    result = opinion_groups(OpinionMatrix.from_latest(latest))
    reps = representative_statements(result)
    for g in range(2):
        members = [p for p, lab in zip(result.participants, result.labels, strict=True)
                   if lab == g]
        planted_group = truth[members[0]]
        agreed = {r.statement_id for r in reps[g] if r.direction == "agree"}
        assert agreed and all(int(s[1:]) % 2 == planted_group for s in agreed if s != "s00")
    consensus = consensus_statements(result)
    assert consensus[0].statement_id == "s00" and consensus[0].direction == "agree"


def test_a_one_person_group_has_no_representative_statement_nor_say_in_consensus() -> None:
    latest, _ = planted(groups=2, statements=20)
    result = opinion_groups(OpinionMatrix.from_latest(latest))
    # One participant moved to a group of their own, who disagrees with everything.
    lone = dataclasses.replace(result, k=3, labels=np.where(
        np.arange(len(result.labels)) == 0, 2, result.labels))
    assert representative_statements(lone)[2] == []
    assert consensus_statements(lone)[0].statement_id == "s00"
