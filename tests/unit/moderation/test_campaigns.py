"""Copy-paste campaigns: 500 varied copies mixed into 5,000 distinct French
contributions come out as ONE group, with few false groups; the banded buckets
find what a plain LSH query finds, without examining every copy of a campaign."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from datasketch import MinHashLSH

from moderation.corpus import mixed
from services.moderation.campaigns import CampaignDetector, CampaignUpdate, _Scope


def test_a_campaign_of_500_copies_in_5000_contributions_is_one_group() -> None:
    items = mixed(5000, 500)
    detector = CampaignDetector()
    for key, text, _ in items:
        detector.add(key, text, scope="c1")
    copies = {key for key, _, is_copy in items if is_copy}
    groups = detector.groups("c1")
    best = max(groups.values(), key=lambda m: len(set(m) & copies))
    found = set(best) & copies
    recall = len(found) / len(copies)
    precision = len(found) / len(best)
    false_groups = [g for g in groups.values() if not set(g) & copies]
    groups_with_copies = [g for g in groups.values() if set(g) & copies]
    print(f"\ncampaign: recall={recall:.3f} precision={precision:.3f} "
          f"group size={len(best)} groups holding copies={len(groups_with_copies)} "
          f"false groups={len(false_groups)} (sizes {sorted(len(g) for g in false_groups)[-5:]})")
    assert len(groups_with_copies) == 1, "the campaign split into several groups"
    assert recall >= 0.95
    assert precision >= 0.95
    assert len(false_groups) <= 5


def test_union_find_keeps_one_group_when_a_bridge_joins_two() -> None:
    base = "Nous demandons la réouverture de la gare de notre commune et des trains plus "
    a, c = base + "fréquents le matin pour aller travailler.", base + "nombreux le soir."
    detector = CampaignDetector(confirm=0.5)
    assert detector.add("a", a) is None
    first = detector.add("b", a + " Merci.")
    assert first is not None and first.group_id == "a" and set(first.members_moved) == {"a", "b"}
    detector.add("c", c)
    detector.add("d", c + " Merci.")
    detector.add("e", base + "fréquents le matin et nombreux le soir.")
    assert len(detector.groups()) == 1
    assert detector.group_of("d") == "a"


def test_short_texts_and_other_scopes_are_not_grouped() -> None:
    detector = CampaignDetector()
    assert detector.add("a", "Je suis pour.") is None
    assert detector.add("b", "Je suis pour.") is None
    long = "Une proposition assez longue pour être indexée par le détecteur de campagnes."
    detector.add("c", long, scope="x")
    assert detector.add("d", long, scope="y") is None


class _PlainLshDetector(CampaignDetector):
    """The detector as it was before ADR 0083: every candidate of datasketch's
    MinHashLSH query examined. The reference the banded buckets must agree with."""

    def __init__(self) -> None:
        super().__init__()
        self._lsh: dict[str, MinHashLSH] = {}

    def add(self, key: str, text: str, scope: str = "") -> CampaignUpdate | None:
        if scope not in self._scopes:
            self._scopes[scope] = _Scope([])
            self._lsh[scope] = MinHashLSH(threshold=self.threshold, num_perm=self.num_perm)
        s, lsh = self._scopes[scope], self._lsh[scope]
        if key in s.parent:
            root = self._find(s, key)
            size = len(s.members[root])
            return CampaignUpdate(root, (), size) if size > 1 else None
        sig = self.signature(text)
        if sig is None:
            return None
        s.signatures[key], s.parent[key], s.members[key] = sig, key, [key]
        s.seen[key] = len(s.seen)
        roots = set()
        for other in lsh.query(sig):
            self.examined += 1
            root = self._find(s, other)
            if root not in roots and sig.jaccard(s.signatures[other]) >= self.confirm:
                roots.add(root)
        lsh.insert(key, sig)
        return self._merge(s, key, roots) if roots else None


def test_the_banded_buckets_find_what_a_plain_lsh_query_finds() -> None:
    items = mixed(1000, 200)
    items += [(f"again-{key}", text, copy) for key, text, copy in items[:100]]
    items.append(items[5])  # a key seen already: only looked up
    banded, plain = CampaignDetector(), _PlainLshDetector()
    for key, text, _ in items:
        assert banded.add(key, text, scope="c") == plain.add(key, text, scope="c"), key
    assert banded.groups("c") == plain.groups("c")
    assert banded.examined < plain.examined / 5


def test_a_copy_meets_a_large_campaign_once_per_band_not_once_per_copy() -> None:
    body = "Relier les villages de la vallée par des pistes cyclables sûres et éclairées."
    detector = CampaignDetector()
    for n in range(1500):
        detector.add(f"k{n}", f"Proposition {n}\n{body}")
    before = detector.examined
    update = detector.add("last", f"Proposition 1500\n{body}")
    assert update is not None and update.group_id == "k0" and update.size == 1501
    assert detector.examined - before <= 5  # a plain LSH query examined all 1,500 copies


def test_the_kept_hash_values_are_the_minhash_signature_s_and_leave_the_seed_alone() -> None:
    detector = CampaignDetector()
    texts = [text for _, text, _ in mixed(60, 20)]
    seed = detector._prepare()
    initial = seed.hashvalues.copy()
    for text in texts:
        shingles = detector._shingles(text)
        signature = detector.signature(text)
        if signature is None:
            assert shingles is None
            continue
        assert shingles is not None
        assert np.array_equal(detector._hash_values(shingles), signature.hashvalues)
        assert np.array_equal(seed.hashvalues, initial)


def test_the_numpy_signature_is_datasketch_s_bit_for_bit() -> None:
    """ADR 0101: crc32 by tables and the affine32 permutations in numpy give the
    hash values `update_batch` gives, for odd and even shingles, a text shorter than
    a shingle included."""
    texts = [text for _, text, _ in mixed(200, 50)] + ["", "abc", "abcd", "abcde", "ÉTÉ 2024 !"]
    for shingle in (5, 4, 3):
        detector = CampaignDetector(shingle=shingle, min_chars=0)
        seed = detector._prepare()
        initial = seed.hashvalues.copy()
        for text in texts:
            raw = detector._folded(text)
            signature = detector.signature(text)
            assert raw is not None and signature is not None
            values = detector._signature_of(raw)
            assert values.dtype == signature.hashvalues.dtype
            assert np.array_equal(values, signature.hashvalues), (shingle, text)
            assert np.array_equal(seed.hashvalues, initial)



def test_without_the_affine32_scheme_signatures_go_through_update_batch(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Permutations other than affine32 (datasketch's "legacy", its only scheme
    before 2.0) get no crc tables: a signature is then `update_batch`'s."""
    import datasketch

    class Legacy(datasketch.MinHash):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            kwargs.setdefault("scheme", "legacy")
            super().__init__(*args, **kwargs)
    monkeypatch.setattr(datasketch, "MinHash", Legacy)
    detector = CampaignDetector(min_chars=0)
    detector._prepare()
    assert detector._crc_tables is None
    for text in ("Relier les villages par des pistes cyclables.", "abcdef", "ÉTÉ 2024 !"):
        raw = detector._folded(text)
        signature = detector.signature(text)
        assert raw is not None and signature is not None
        assert np.array_equal(detector._signature_of(raw), signature.hashvalues)


def test_a_bucket_s_lone_member_is_its_key_until_a_second_comes() -> None:
    long = "Une proposition assez longue pour être indexée par le détecteur de campagnes."
    detector = CampaignDetector()
    detector.add("a", long)
    bands = detector._scopes[""].bands
    assert all(list(band.values()) == ["a"] for band in bands)
    detector.add("b", long + " Merci.")
    assert any(band_bucket == {"a": ["a", "b"]} for band in bands for band_bucket in band.values())
    assert detector.groups() == {"a": ["a", "b"]}
