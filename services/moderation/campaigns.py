"""Copy-paste campaigns: near-duplicate texts found by MinHash LSH (datasketch).

Texts are folded (`text.fold`), cut into character shingles, and hashed into a
MinHash signature. LSH proposes candidate pairs (two signatures equal on one of
the `b` bands of `r` values that datasketch's MinHashLSH picks for the
threshold); a pair counts only if the signatures' estimated Jaccard similarity
reaches `confirm` (LSH alone lets through pairs below its threshold). Confirmed
pairs are merged with union-find, so a campaign is ONE group whatever its size or
shape (A~B, B~C puts A, B, C together even if A and C differ more).

The bands are our own dictionaries, not MinHashLSH's (ADR 0083): each bucket
files its members under the group they joined, so a new text meets a campaign
of thousands of copies as one entry per band and stops at its first confirmed
member, where a plain LSH query handed back every copy (a cost growing with the
campaign: 2 ms per text at 4,000 copies). The groups found are the same: a
text joins every group one of whose candidates it confirms.

The group id is the id of the group's first-seen member: merging two groups
keeps the older id, and the update lists every member whose group changed, so a
read model can follow without rescanning. State is in memory, per scope
(consultation); `AutoModeration` rebuilds it from the log on start.
Memory: one signature (num_perm x 8 bytes) per indexed text.

A signature is kept as its hash values (a numpy array), not as a MinHash: the
text's shingles go through the seed MinHash's own `update_batch` and the seed's
values are put back, so no MinHash is built per text and the values are
datasketch's; the Jaccard estimate is datasketch's formula (ADR 0093).

Since ADR 0101 `add` computes those values itself, all shingles at once in numpy:
crc32 of a k-byte shingle is the XOR of k tables' entries, one per byte position
(crc32 is affine over GF(2) for a given length), then datasketch's affine32
scheme -- MurmurHash3's finaliser and `a * h + b` modulo 2^32 per permutation --
and the minimum over the shingles. No Python call per shingle, no set of them
(a shingle twice changes no minimum). The same values bit for bit
(tests/unit/moderation/test_campaigns.py); another scheme falls back to
`update_batch`.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from datasketch import MinHash

from services.moderation.text import fold

SHINGLE = 5
NUM_PERM = 64
LSH_THRESHOLD = 0.5
CONFIRM = 0.7
MIN_CHARS = 40  # short texts ("d'accord", "je suis pour") are alike by nature, not campaigns


@dataclass(frozen=True, slots=True)
class CampaignUpdate:
    group_id: str
    members_moved: tuple[str, ...]  # members (the new one included) now in `group_id`
    size: int


# group (its root when a member was filed) -> members; or, for a bucket's first
# member filed under itself (a text in no group: most), that member alone, as
# {member: [member]} would say. No dict and list per band and text then: 14 of
# each a text were ~3 KB of memory and most of the garbage collector's work (ADR 0101).
Bucket = dict[str, list[str]] | str


@dataclass(slots=True)
class _Scope:
    bands: list[dict[bytes, Bucket]]
    signatures: dict[str, NDArray[Any]] = field(default_factory=dict)  # hash values
    parent: dict[str, str] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=dict)  # root -> members
    seen: dict[str, int] = field(default_factory=dict)  # key -> arrival rank


class CampaignDetector:
    def __init__(self, *, num_perm: int = NUM_PERM, threshold: float = LSH_THRESHOLD,
                 confirm: float = CONFIRM, shingle: int = SHINGLE,
                 min_chars: int = MIN_CHARS) -> None:
        self.num_perm, self.threshold, self.confirm = num_perm, threshold, confirm
        self.shingle, self.min_chars = shingle, min_chars
        self._scopes: dict[str, _Scope] = {}
        self._seed: MinHash | None = None  # made with the first signature or scope
        self._ranges: list[tuple[int, int]] = []
        self._byte_ranges: list[tuple[int, int]] = []
        self._need = 0  # set with the seed
        self._crc_tables: NDArray[np.uint32] | None = None  # (shingle, 256); None: update_batch
        self.examined = 0  # candidates looked at, all scopes (tests, benches)

    def _prepare(self) -> MinHash:
        # datasketch is imported here, not with the module: its import (scipy,
        # the Cassandra driver of its storage back ends) costs ~1.5 s of every
        # process's start-up, and only the moderation worker signs texts (ADR 0084)
        from datasketch import MinHash, MinHashLSH

        # crc32: a fast, deterministic 32-bit hash (sha1, the default, dominates the cost)
        # permutations built once, copied per text
        self._seed = MinHash(num_perm=self.num_perm, hashfunc=zlib.crc32)
        # the bands MinHashLSH picks for this threshold (its false positive and
        # negative weights), kept as (start, end) slices of a signature
        self._ranges = list(MinHashLSH(threshold=self.threshold,
                                       num_perm=self.num_perm).hashranges)
        # the fewest equal values whose share reaches `confirm`, as MinHash.jaccard
        # computes it (a float division): an integer comparison per candidate then
        self._need = next(n for n in range(self.num_perm + 2)
                          if n > self.num_perm or float(n) / float(self.num_perm) >= self.confirm)
        size = self._seed.hashvalues.itemsize
        self._byte_ranges = [(start * size, end * size) for start, end in self._ranges]
        # datasketch < 2.0 has no `scheme` (its only one, "legacy", takes update_batch)
        scheme = getattr(self._seed, "scheme", "legacy")
        if scheme == "affine32" and self._seed.hashvalues.dtype == np.uint32:
            self._crc_tables = _crc32_tables(self.shingle)
        return self._seed

    def signature(self, text: str) -> MinHash | None:
        """The text's MinHash (None when too short to count)."""
        shingles = self._shingles(text)
        if shingles is None:
            return None
        m = (self._seed or self._prepare()).copy()
        m.update_batch(shingles)
        return m

    def _shingles(self, text: str) -> list[bytes] | None:
        raw = self._folded(text)
        return None if raw is None else self._shingles_of(raw)

    def _shingles_of(self, raw: bytes) -> list[bytes]:
        k = self.shingle
        return list({raw[i:i + k] for i in range(len(raw) - k + 1)})

    def _folded(self, text: str) -> bytes | None:
        folded = fold(text)
        if len(folded) < self.min_chars:
            return None
        return folded.encode()  # ASCII after folding: byte slices are character shingles

    def _signature_of(self, raw: bytes) -> NDArray[Any]:
        """`_hash_values(shingles of raw)`, every shingle at once in numpy."""
        seed = self._seed or self._prepare()
        tables = self._crc_tables
        if tables is None:
            return self._hash_values(self._shingles_of(raw))
        k = len(tables)
        n = len(raw) - k + 1
        if n <= 0:  # no shingle: update_batch leaves the values as they are
            unchanged: NDArray[Any] = seed.hashvalues.copy()
            return unchanged
        codes = np.frombuffer(raw, dtype=np.uint8)
        hv = tables[0][codes[:n]]
        for j in range(1, k):
            hv ^= tables[j][codes[j:j + n]]
        # MurmurHash3's 32-bit finaliser, as datasketch's affine32 scheme applies it
        hv ^= hv >> _S16
        hv *= _M1
        hv ^= hv >> _S13
        hv *= _M2
        hv ^= hv >> _S16
        a, b = seed.permutations
        values: NDArray[Any] = np.minimum(seed.hashvalues, (hv[:, None] * a + b).min(axis=0))
        return values

    def _hash_values(self, shingles: Sequence[bytes]) -> NDArray[Any]:
        """`signature(text).hashvalues`, without a MinHash per text: copying the seed
        (its constructor re-checks the permutations) cost as much as hashing the
        shingles. `update_batch` replaces the seed's array with a new one, so the
        initial values are put back untouched. Not for two threads at once: the
        detector runs in one (`AutoModeration.handle`)."""
        seed = self._seed or self._prepare()
        initial = seed.hashvalues
        try:
            seed.update_batch(shingles)
            values: NDArray[Any] = seed.hashvalues
            return values
        finally:
            seed.hashvalues = initial

    def add(self, key: str, text: str, scope: str = "") -> CampaignUpdate | None:
        """Index `key` (once: a known key is only looked up) and join it to its
        near-duplicates. Returns the update when `key` belongs to a group of >= 2."""
        s = self._scopes.get(scope)
        if s is None:
            if self._seed is None:
                self._prepare()
            s = self._scopes[scope] = _Scope([{} for _ in self._ranges])
        if key in s.parent:
            root = self._find(s, key)
            size = len(s.members[root])
            return CampaignUpdate(root, (), size) if size > 1 else None
        raw = self._folded(text)
        if raw is None:
            return None
        sig = self._signature_of(raw)
        bands = self._band_keys(sig)
        roots = self._confirmed_groups(s, sig, bands)
        s.signatures[key] = sig
        s.parent[key] = key
        s.members[key] = [key]
        s.seen[key] = len(s.seen)
        update = self._merge(s, key, roots) if roots else None
        group = update.group_id if update is not None else key
        for band, band_key in zip(s.bands, bands, strict=True):
            # no dict and list made for nothing, as `setdefault`'s defaults would be
            bucket = band.get(band_key)
            if bucket is None:
                band[band_key] = key if group == key else {group: [key]}
            elif isinstance(bucket, str):
                band[band_key] = {bucket: [bucket], group: [key]} if group != bucket else {
                    bucket: [bucket, key]}
            elif (filed := bucket.get(group)) is None:
                bucket[group] = [key]
            else:
                filed.append(key)
        return update

    def _band_keys(self, hashvalues: NDArray[Any]) -> list[bytes]:
        # the bytes' slices: the same keys as the array's, one conversion
        raw = hashvalues.tobytes()
        return [raw[start:end] for start, end in self._byte_ranges]

    def _confirmed_groups(self, s: _Scope, sig: NDArray[Any], bands: list[bytes]) -> set[str]:
        """The groups holding a candidate (a member sharing a band) whose signature
        confirms `sig`. One confirmed member per group is enough: a group already
        found is skipped whole, and a member already tested is not tested again."""
        roots: set[str] = set()
        tested: set[str] = set()
        signatures, need, examined = s.signatures, self._need, 0
        for band, band_key in zip(s.bands, bands, strict=True):
            bucket = band.get(band_key)
            if bucket is None:
                continue
            for filed_under, members in (((bucket, (bucket,)),) if isinstance(bucket, str)
                                         else bucket.items()):
                if roots and self._find(s, filed_under) in roots:
                    continue
                for other in members:
                    if other in tested:
                        continue
                    tested.add(other)
                    examined += 1
                    # MinHash.jaccard's estimate on the kept hash values, reaching
                    # `confirm`: as many equal values as `need` (counted once, ADR 0101)
                    if np.count_nonzero(sig == signatures[other]) >= need:
                        roots.add(self._find(s, other))
                        break
        self.examined += examined
        return roots

    @staticmethod
    def _merge(s: _Scope, key: str, roots: set[str]) -> CampaignUpdate:
        """Join `key` and the groups `roots` into the oldest of them (a root is its
        group's first-seen member)."""
        order = s.seen
        survivor = min(roots, key=order.__getitem__)
        moved = [key]
        for root in (*sorted(roots - {survivor}, key=order.__getitem__), key):
            if root != key:
                moved += s.members[root]
            s.members[survivor] += s.members.pop(root)
            s.parent[root] = survivor
        newly_paired = len(s.members[survivor]) == len(moved) + 1
        if newly_paired:  # the survivor itself was alone until now: it moves into a group too
            moved.append(survivor)
        return CampaignUpdate(survivor, tuple(moved), len(s.members[survivor]))

    def groups(self, scope: str = "", min_size: int = 2) -> dict[str, list[str]]:
        s = self._scopes.get(scope)
        if s is None:
            return {}
        return {root: list(m) for root, m in s.members.items() if len(m) >= min_size}

    def group_of(self, key: str, scope: str = "") -> str | None:
        s = self._scopes.get(scope)
        if s is None or key not in s.parent:
            return None
        root = self._find(s, key)
        return root if len(s.members[root]) > 1 else None

    @staticmethod
    def _find(s: _Scope, key: str) -> str:
        root = key
        while s.parent[root] != root:
            root = s.parent[root]
        while s.parent[key] != root:  # path compression
            s.parent[key], key = root, s.parent[key]
        return root


_S16, _S13 = np.uint32(16), np.uint32(13)
_M1, _M2 = np.uint32(0x85EBCA6B), np.uint32(0xC2B2AE35)


def _crc32_tables(k: int) -> NDArray[np.uint32]:
    """tables[j][v]: crc32 of k bytes, v at position j and zeros elsewhere. crc32 of
    a k-byte message is affine: crc(x ^ y) = crc(x) ^ crc(y) ^ crc(zeros), so the
    XOR of the k tables' entries is crc32 of the shingle when k is odd; when k is
    even, crc32 of k zero bytes is folded into the first table."""
    tables = np.zeros((k, 256), dtype=np.uint32)
    for j in range(k):
        for v in range(256):
            message = bytearray(k)
            message[j] = v
            tables[j, v] = zlib.crc32(message)
    if k % 2 == 0:
        tables[0] ^= np.uint32(zlib.crc32(bytes(k)))
    return tables
