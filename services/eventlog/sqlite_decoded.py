"""Records decoded once for every subscription of a process (ADR 0083).

Eight consumers of `deposit.events` poll the same new rows; each used to parse
every row's JSON into its own envelope (some 10 µs a row, 22 parses per
proposal). The subscriptions of one SQLite log now share the records they
decoded: a record is found by its offset and reused only if the row's bytes
are the very bytes it was decoded from, so a log file replaced under the
process (another log, an older copy) can never hand back a record of the other
file. Records are immutable (frozen envelopes; upcasters copy the data they
change), so sharing one between consumers is safe.

Bounded by two generations: when the young one is full it becomes the old one
and the previous old one is dropped, so at most 2 x `size` records are kept and
every operation is O(1). Used under the log's reader lock (one thread at a time).
"""

from __future__ import annotations

from services.core.envelope import Envelope
from services.core.slotted import maker
from services.eventlog.port import Recorded

DEFAULT_SIZE = 4096
_new_record = maker(Recorded)  # one per row decoded (ADR 0112)


class DecodedRecords:
    def __init__(self, size: int = DEFAULT_SIZE) -> None:
        self._size = size
        self._young: dict[int, tuple[bytes, Recorded]] = {}
        self._old: dict[int, tuple[bytes, Recorded]] = {}
        self.decoded = 0  # rows parsed, for tests and benches

    def record(self, topic: str, seq: int, key: str, body: bytes) -> Recorded:
        found = self._young.get(seq) or self._old.get(seq)
        if found is not None and found[0] == body:
            return found[1]
        recorded = _new_record(Envelope.from_json(body), topic, 0, seq, key)
        self.decoded += 1
        if len(self._young) >= self._size:
            self._old, self._young = self._young, {}
        self._young[seq] = (body, recorded)
        return recorded
