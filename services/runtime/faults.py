"""Transient or poison (ADR 0031): what a worker may dead-letter.

A failure is *transient* when a dependency cannot do its job right now, whatever
the event: the log, the read store or the search index says so by raising a
subclass of `Unavailable` (each adapter translates its driver's errors at the
port boundary, so nothing here knows a driver), a connection is refused or times
out, or the system refuses I/O for want of room or of a working device. The
worker retries it without end, with backoff and alerting, and never dead-letters
it: every event would fail the same way until the cause goes.

Anything else is a failure of the consumer on that event (a bug, data it cannot
handle): retried a few times, then isolated and dead-lettered, so one event
cannot stop a projection.
"""

from __future__ import annotations

import errno

from services.core.errors import Unavailable

# OS errors that say "not now" rather than "never": no room, a failing or busy
# device, an exhausted resource. A missing file or a refused permission is left
# out: retrying cannot fix it, and the dead letter says what to fix.
_NOT_NOW = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO, errno.EAGAIN,
                      errno.EBUSY, errno.ENOMEM, errno.EMFILE, errno.ENFILE, errno.EROFS})
_DEPTH = 16  # causes followed at most (a chain could loop)


def is_transient(error: BaseException) -> bool:
    """True when `error`, or an error it was explicitly raised from, is an outage."""
    seen: BaseException | None = error
    for _ in range(_DEPTH):
        if seen is None:
            break
        if isinstance(seen, Unavailable | ConnectionError | TimeoutError):
            return True
        if isinstance(seen, OSError) and seen.errno in _NOT_NOW:
            return True
        seen = seen.__cause__
    return False


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"
