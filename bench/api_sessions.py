"""Real participant sessions for the write benchmarks: every request of
bench/vote.py, bench/deposit.py and bench/profile_api.py carries a signed session
cookie, a CSRF cookie and its `X-CSRF-Token`, as a browser's script does, so the
server runs every check of a participant (session and its revocation generation,
CSRF, proof of work, identity level, rate limit). The servers are given the same
secret key (`ENV`); nobody is registered: the session is signed, the participant
pseudonymous."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from services.web.security import Csrf, Sessions

SECRET = "bench-secret-key-not-for-production"
ENV = {"PARLONS_SECRET_KEY": SECRET, "PARLONS_ENVIRONMENT": "development",
       "PARLONS_SECURE_COOKIES": "false", "PARLONS_LOG_LEVEL": "WARNING",
       # Each request is another participant; the per-client budget (one address
       # here) would otherwise refuse the run after 30 writes: counted, not refused.
       "PARLONS_RATE_ACTION_PER_MINUTE": "100000000"}

_sessions = Sessions(SECRET, 24, secure=False)
_csrf = Csrf(SECRET, secure=False)


def participant_headers(participant_id: str, level: str = "anonymous") -> dict[str, str]:
    """The headers of a browser script acting as `participant_id` (anonymous
    level: the proof-of-work check runs)."""
    browser = f"b-{participant_id}"
    session = _sessions.issue(participant_id, kind="participant", level=level)
    cookie = f"{_sessions.cookie}={session}; {_csrf.cookie}={browser}"
    return {"Cookie": cookie, "X-CSRF-Token": _csrf.token_for(browser)}
