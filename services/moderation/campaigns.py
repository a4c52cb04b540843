"""Copy-paste campaigns: near-duplicate texts found by MinHash LSH (datasketch).

Texts are folded (`text.fold`), cut into character shingles, and hashed into a
MinHash signature. LSH proposes candidate pairs; a pair counts only if the
signatures' estimated Jaccard similarity reaches `confirm` (LSH alone lets
through pairs below its threshold). Confirmed pairs are merged with union-find,
so a campaign is ONE group whatever its size or shape (A~B, B~C puts A, B, C
together even if A and C differ more).

The group id is the id of the group's first-seen member: merging two groups
keeps the older id, and the update lists every member whose group changed, so a
read model can follow without rescanning. State is in memory, per scope
(consultation); `AutoModeration` rebuilds it from the log on start.
Memory: one signature (num_perm x 8 bytes) per indexed text.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datasketch import MinHash, MinHashLSH

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


@dataclass(slots=True)
class _Scope:
    lsh: MinHashLSH
    signatures: dict[str, MinHash] = field(default_factory=dict)
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
        self._seed: MinHash | None = None  # made with the first signature

    def _first_signature(self) -> MinHash:
        # datasketch is imported here, not with the module: its import (scipy,
        # the Cassandra driver of its storage back ends) costs ~1.5 s of every
        # process's start-up, and only the moderation worker signs texts (ADR 0084)
        from datasketch import MinHash

        # crc32: a fast, deterministic 32-bit hash (sha1, the default, dominates the cost)
        # permutations built once, copied per text
        self._seed = MinHash(num_perm=self.num_perm, hashfunc=zlib.crc32)
        return self._seed

    def signature(self, text: str) -> MinHash | None:
        folded = fold(text)
        if len(folded) < self.min_chars:
            return None
        k = self.shingle
        raw = folded.encode()  # ASCII after folding: byte slices are character shingles
        shingles = {raw[i:i + k] for i in range(len(raw) - k + 1)}
        m = (self._seed or self._first_signature()).copy()
        m.update_batch(list(shingles))
        return m

    def add(self, key: str, text: str, scope: str = "") -> CampaignUpdate | None:
        """Index `key` (once: a known key is only looked up) and join it to its
        near-duplicates. Returns the update when `key` belongs to a group of >= 2."""
        s = self._scopes.get(scope)
        if s is None:
            from datasketch import MinHashLSH  # see _first_signature

            s = self._scopes[scope] = _Scope(MinHashLSH(threshold=self.threshold,
                                                        num_perm=self.num_perm))
        if key in s.parent:
            root = self._find(s, key)
            size = len(s.members[root])
            return CampaignUpdate(root, (), size) if size > 1 else None
        sig = self.signature(text)
        if sig is None:
            return None
        s.signatures[key] = sig
        s.parent[key] = key
        s.members[key] = [key]
        s.seen[key] = len(s.seen)
        roots: set[str] = set()
        for other in s.lsh.query(sig):
            root = self._find(s, other)
            # one confirmed pair per group is enough: skip the rest of a known group
            if root not in roots and sig.jaccard(s.signatures[other]) >= self.confirm:
                roots.add(root)
        s.lsh.insert(key, sig)
        if not roots:
            return None
        # the oldest root survives (a root is its group's first-seen member)
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
