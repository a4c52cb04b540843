"""What a Pol.is import's POST did, carried to the groups page it redirects to
(ADR 0125 amended): signed, so any front with the platform's key reads it and
nobody else can write one; bound to its consultation; its lines left out fewer
when they would not fit a URL, the count saying the rest; « L'import continue »
no longer said past the pace's horizon."""

from __future__ import annotations

import random
import string
from urllib.parse import parse_qs, urlsplit

import pytest

from services.store.memory import MemoryReadStore
from services.web.app import build_web
from services.web.deps import Web, WebDeps
from services.web.settings import WebSettings
from services.web.synthesis import import_outcome
from services.web.synthesis.import_outcome import (
    PARAM,
    TOKEN_MAX,
    going_on_url,
    notice_of,
    report_url,
)

BASE = "/admin/analyse/c1/groupes-opinion"
REPORT = {"statements": 50, "votes": 5311, "participants": 204, "resumed": True}


def _front(secret: str = "platform-key") -> Web:
    async def send(command: object) -> object:
        raise AssertionError("nothing is sent")
    return build_web(WebDeps(store=MemoryReadStore(), send=send, settings=WebSettings(
        environment="test", secret_key=secret, admin_user="orga")))


def _token(url: str) -> str:
    assert url.startswith(BASE + "?")
    return parse_qs(urlsplit(url).query)[PARAM][0]


async def test_another_front_shows_the_report_a_forged_or_foreign_one_nothing() -> None:
    url = report_url(_front(), BASE, "c1", {**REPORT, "skipped": ["votes.csv, ligne 4"]})
    notice = await notice_of(_front(), "c1", _token(url))  # another replica, same key
    assert notice == {"report": REPORT, "skipped_count": 1,
                      "skipped_shown": ["votes.csv, ligne 4"], "skipped_more": 0}
    assert await notice_of(_front(), "c2", _token(url)) == {}
    assert await notice_of(_front("another-key"), "c1", _token(url)) == {}
    assert await notice_of(_front(), "c1", _token(url)[:-2] + "xx") == {}
    assert await notice_of(_front(), "c1", None) == {}


async def test_lines_that_would_not_fit_a_url_are_fewer_and_counted() -> None:
    lines = ["".join(random.choices(string.ascii_letters, k=200)) for _ in range(300)]
    url = report_url(_front(), BASE, "c1", {**REPORT, "skipped": lines})
    assert len(_token(url)) <= TOKEN_MAX
    notice = await notice_of(_front(), "c1", _token(url))
    shown = notice["skipped_shown"]
    assert 0 < len(shown) < 50 and shown == lines[:len(shown)]
    assert (notice["skipped_count"], notice["skipped_more"]) == (300, 300 - len(shown))


async def test_an_import_going_on_is_said_so_until_the_page_can_tell_itself(
        monkeypatch: pytest.MonkeyPatch) -> None:
    web = _front()
    url = going_on_url(web, BASE, "c1")
    assert await notice_of(web, "c1", _token(url)) == {"going_on": True}
    monkeypatch.setattr(import_outcome, "STALLED_AFTER_S", 0.0)  # minutes later
    assert await notice_of(web, "c1", _token(url)) == {}
