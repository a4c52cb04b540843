"""Every consultation stays reachable by links, however many there are: the home
page showed the latest 100 published and the back office's dashboard the latest
200 created, and an older one was reachable by its address alone."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from harness.consultations import open_consultation
from harness.forms import admin_client
from harness.platform import open_platform

from services.web import views
from services.web.backoffice import consultations as dashboard

CIDS = ("c-a", "c-b", "c-c")


def linked(html: str) -> list[str]:
    return re.findall(r'href="/consultations/(c-[a-c])"', html)


async def test_the_public_and_the_organisers_reach_every_consultation(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PARLONS_PAGE_SIZE", "2")
    monkeypatch.setattr(views, "HOME_SHOWN", 2, raising=False)
    monkeypatch.setattr(dashboard, "DASHBOARD_PAGE", 2, raising=False)
    async with open_platform(tmp_path, monkeypatch) as p:
        for cid in CIDS:
            await open_consultation(p, cid, level="anonymous")
        public = p.client()
        home = (await public.get("/")).text
        assert len(linked(home)) == 2 and 'href="/consultations"' in home
        assert 'href="/consultations"' in (await public.get("/plan-du-site")).text
        first = await public.get("/consultations")
        assert first.status_code == 200 and "3 consultations" in first.text
        assert 'href="/consultations?page=2"' in first.text
        second = (await public.get("/consultations?page=2")).text
        assert sorted(linked(first.text) + linked(second)) == sorted(CIDS)

        admin = await admin_client(p)
        pages = [(await admin.get("/admin")).text, (await admin.get("/admin?page=2")).text]
        assert 'href="/admin?page=2"' in pages[0]
        listed = [cid for page in pages
                  for cid in re.findall(r'href="/admin/consultations/(c-[a-c])"', page)]
        assert sorted(listed) == sorted(CIDS)
        for odd in ("abc", "0", "99"):  # a hand-typed page: within the pages
            assert (await admin.get(f"/admin?page={odd}")).status_code == 200, odd

