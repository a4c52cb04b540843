"""A back-office creation form carries a one-time token (`cle`) that is the new
aggregate's id (ADR 0078), or the id of what it adds derived from it (ADR 0081):
the same form sent twice -- a double click, a retry through another front --
makes one consultation, one article, one commission member and one report, the
second sending answered as the first."""

from __future__ import annotations

import re

import httpx
from harness.forms import csrf_of
from harness.web import login, make_container, new_consultation, web_client

NEW = "/admin/consultations/nouvelle"


def token_of(html: str) -> str:
    found = re.search(r'name="cle" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


async def sent_twice(client: httpx.AsyncClient, page: str, action: str,
                     data: dict[str, str]) -> list[httpx.Response]:
    shown = (await client.get(page)).text
    fields = {"csrf_token": csrf_of(shown), "cle": token_of(shown), **data}
    return [await client.post(action, data=fields) for _ in range(2)]


async def test_a_creation_form_sent_twice_makes_one_aggregate() -> None:
    container = make_container()
    async with web_client(container) as client:
        await login(client)
        first, again = await sent_twice(client, NEW, NEW, {"title": "Mobilités",
                                                           "slug": "mobilites"})
        assert (first.status_code, again.status_code) == (303, 303), again.text[:500]
        assert first.headers["location"] == again.headers["location"]
        assert len(await container.store.list("consultations", "all", limit=10)) == 1

        admin = await new_consultation(client, "Vélo", "velo")
        cid = admin.rsplit("/", 1)[1]
        articles = f"{admin}/articles"
        sent = await sent_twice(client, articles, articles,
                                {"title": "Le contexte", "body_markdown": "Des **pistes**."})
        assert [r.status_code for r in sent] == [303, 303]
        assert len(await container.store.list("articles", cid, limit=10)) == 1


async def test_a_commission_member_or_report_form_sent_twice_adds_one() -> None:
    """And the commission's creation form too (with its members): answered as first."""
    container = make_container()
    async with web_client(container) as client:
        await login(client)
        admin = await new_consultation(client, "Vélo", "velo")
        cid = admin.rsplit("/", 1)[1]
        commissions = f"{admin}/commissions"
        made = await sent_twice(client, commissions, commissions,
                                {"name": "Commission vélo", "members": "Anne — présidente"})
        assert [r.status_code for r in made] == [303, 303], made[1].text[:500]
        [(commission_id, _)] = await container.store.list("commissions", cid, limit=5)
        page = f"{commissions}/{commission_id}"
        shown = (await client.get(page)).text
        member_key, report_key = re.findall(r'name="cle" value="([^"]+)"', shown)
        csrf = csrf_of(shown)
        member = {"csrf_token": csrf, "cle": member_key, "display_name": "Anne Dupont",
                  "role": "présidente"}
        report = {"csrf_token": csrf, "cle": report_key, "title": "Rapport d'étape",
                  "body_markdown": "Premier *jet*"}
        sent = [await client.post(f"{page}/membres", data=member) for _ in range(2)]
        sent += [await client.post(f"{page}/rapports/nouveau", data=report) for _ in range(2)]
        assert [r.status_code for r in sent] == [303] * 4, sent[-1].text[:500]

        doc = await container.store.get("commissions", cid, commission_id)
        assert doc is not None
        assert [m["display_name"] for m in doc["members"]] == ["Anne", "Anne Dupont"]
        assert [r["title"] for r in doc["reports"]] == ["Rapport d'étape"]
        assert "updated_at" not in doc["reports"][0]  # sent again: nothing written
        # created with its member, one member added, one report published
        assert await container.log.stream_version(f"commission-{commission_id}") == 4
