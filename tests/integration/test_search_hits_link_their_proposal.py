"""The public search's hits of arguments and comments link to the proposal they
belong to (the heading was plain text « Commentaire »: a reader could not see
what it answered), a comment on an argument included."""

from __future__ import annotations

import re

from harness.consultations import open_consultation
from harness.forms import csrf_header
from harness.platform import Platform, participant, session_client, until


async def test_an_argument_and_comments_found_link_to_their_proposal(
        platform: Platform) -> None:
    p = platform
    await open_consultation(p, "c1", level="email", moderation="post")
    alice = await participant(p, "Alice")
    async with session_client(p, alice) as client:
        h = await csrf_header(client)

        async def post(path: str, key: str, body: dict[str, str]) -> str:
            r = await client.post(f"/api/{path}", json=body,
                                  headers={**h, "Idempotency-Key": key})
            assert r.status_code == 201, r.text
            return str(r.json()["id"])
        pid = await post("consultations/c1/proposals", "k1", {
            "title": "Des pistes cyclables", "body": "Des pistes cyclables le long des quais."})
        arg = await post(f"contributions/{pid}/arguments", "k2", {
            "side": "for", "body": "Le toboggan du parc serait plus sûr avec une piste."})
        await post(f"contributions/{pid}/comments", "k3", {
            "body": "Un toboggan près de la piste, quelle idée amusante."})
        await post(f"contributions/{arg}/comments", "k4", {
            "body": "Ce toboggan existe déjà, il est au bout du quai."})

    async def found() -> bool:
        async with session_client(p, None) as anonymous:
            page = await anonymous.get("/consultations/c1/recherche", params={"q": "toboggan"})
            return "3 résultats" in page.text
    await until(found, timeout=10)
    async with session_client(p, None) as anonymous:
        page = (await anonymous.get("/consultations/c1/recherche",
                                    params={"q": "toboggan"})).text
    links = re.findall(r'href="(/consultations/c1/propositions/[^"#]+#\w+)">(\w+) sur', page)
    assert sorted(links) == sorted([
        (f"/consultations/c1/propositions/{pid}#arguments", "Argument"),
        (f"/consultations/c1/propositions/{pid}#commentaires", "Commentaire"),
        (f"/consultations/c1/propositions/{pid}#commentaires", "Commentaire")])
