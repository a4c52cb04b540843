"""JSON log lines: time, level, logger, message, correlation_id and any `extra`
fields. Personal data never reaches a log line: fields whose name says e-mail,
IP, token, password, cookie or session are dropped, and e-mail addresses and IP
addresses inside values are masked (DESIGN §10)."""

from __future__ import annotations

import functools
import logging
import re
import sys
from datetime import UTC, datetime
from typing import Any

import orjson

from services.core.events import correlation_id
from services.core.values import iso

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName",
                                                    "color_message"}  # uvicorn ANSI copy
_SECRET_WORDS = frozenset({
    "email", "mail", "ip", "addr", "address", "remote", "client", "token", "password",
    "passwd", "secret", "cookie", "session", "authorization", "auth",
})
_EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")
_IPV6 = re.compile(r"\b(?:[0-9A-Fa-f]{1,4}:){2,7}[0-9A-Fa-f]{0,4}\b|::1\b|::ffff:[0-9.]+")


def scrub(text: str) -> str:
    # Each pattern needs one character of its own: "@" for an address, "." for
    # IPv4, ":" for IPv6. Most values (a message, a path) hold none of them, and the
    # three substitutions were most of a line's cost (ADR 0111).
    if "@" in text:
        text = _EMAIL.sub("[email]", text)
    if "." in text:
        text = _IPV4.sub("[ip]", text)
    if ":" in text:
        text = _IPV6.sub("[ip]", text)
    return text


@functools.lru_cache(maxsize=1024)  # field names come from the code: a small set
def _is_secret(field: str) -> bool:
    return any(word in _SECRET_WORDS for word in re.split(r"[_.\-]", field.lower()))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": iso(datetime.fromtimestamp(record.created, UTC)),
            "level": record.levelname,
            "logger": record.name,
            "message": scrub(record.getMessage()),
            "correlation_id": correlation_id(),
        }
        for key, value in vars(record).items():
            if key in _STANDARD or key in line or _is_secret(key):
                continue
            line[key] = scrub(value) if isinstance(value, str) else value
        if record.exc_info:
            line["exception"] = scrub(self.formatException(record.exc_info))
        return orjson.dumps(line, default=str).decode()


# Loggers of libraries that say at INFO what is routine for Parlons, kept to their
# warnings: aiokafka logs « Updating subscribed topics » at each assignment, and
# every Kafka fetch of the log's reader and each worker's lag reading assigns its
# partitions afresh: ~1,250 lines a minute in `make run-distributed` at rest, 97 %
# of its log.
QUIETED = ("aiokafka.consumer.subscription_state",)


def configure_logging(level: str = "INFO") -> None:
    """Route every logger (ours, uvicorn's) to one JSON handler on stderr."""
    # Nothing of a line says where, in which thread or which process it was logged:
    # skip looking it up for every record (the logging HOWTO's "Optimization").
    logging._srcfile = None
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        logger = logging.getLogger(name)
        logger.handlers[:] = []
        logger.propagate = True
    # uvicorn's access log carries the client address: never emit it (our
    # access-log middleware logs method, path, status and duration only).
    logging.getLogger("uvicorn.access").disabled = True
    for name in QUIETED:
        logging.getLogger(name).setLevel(max(logging.WARNING, root.level))
