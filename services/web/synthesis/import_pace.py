"""Whether an arriving Pol.is import is still being written or was interrupted,
as the opinion groups page tells the analyst (ADR 0130).

The importer appends a chunk every few seconds, and sends a failed append again
for up to ~15 s (services/synthesis/polis/importer.py); nothing else says it
stopped (the process writing it may be gone with no trace). So the page looks at
when the latest event of the import the opinions' model holds reached the log:
lately, the import is being written; minutes ago, once the model holds everything
the log holds, nothing was written since. While the model still takes in what the
log holds (a large import's catch-up), minutes-old arrivals cannot tell."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Literal

from services.eventlog.port import EventLog, ModelProgress
from services.synthesis.conversations.opinions_model import ArrivingImport, holds_the_log

# Past this with nothing new in the log, an import is taken as interrupted: a
# chunk's append and its retries take well under it.
STALLED_AFTER_S = 120.0
# How long the page waits for the model to take in the log's last records (a
# ballot cast this instant elsewhere) before it says it cannot tell.
MODEL_WAIT_S = 1.0

Pace = Literal["writing", "stalled", "unknown"]


@dataclass(frozen=True, slots=True)
class ImportPace:
    pace: Pace
    quiet_s: float | None  # since the latest event reached the log, when known

    @property
    def quiet_text(self) -> str:
        """« 12 s », « 3 min »: how long ago, in the page's words."""
        seconds = int(self.quiet_s or 0)
        return f"{seconds} s" if seconds < 90 else f"{seconds // 60} min"  # rounded down


async def pace_of(arriving: ArrivingImport, *, log: EventLog,
                  progress: ModelProgress | None) -> ImportPace:
    if arriving.arrived_at_ms is None:
        return ImportPace("unknown", None)
    quiet = max(0.0, datetime.now(UTC).timestamp() - arriving.arrived_at_ms / 1000)
    if quiet < STALLED_AFTER_S:  # written lately, whatever the model still lacks
        return ImportPace("writing", quiet)
    # nothing lately in the model: stopped, or the model still takes in older chunks
    if progress is None:
        return ImportPace("unknown", None)
    if not await holds_the_log(log, progress, within=MODEL_WAIT_S):
        return ImportPace("unknown", None)
    return ImportPace("stalled", quiet)
