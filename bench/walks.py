"""The modules two journeys pass through (not a speed benchmark): a ballot from
its HTTP route to the results page, and a proposal from the web form to the
search index. Prints, per journey, the `services.*` modules whose code ran
while it went through (setup excluded), grouped by package, and their count.

Used to compare the layering before and after ADR 0029 (run it at each commit):
    .venv/bin/python bench/walks.py
"""

from __future__ import annotations

import asyncio
import re
import sys
import tempfile
import threading
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from services.consultation.commands import (  # noqa: E402
    CreateConsultation,
    PhaseSpec,
    PublishConsultation,
    SchedulePhases,
)
from services.core.envelope import Actor  # noqa: E402
from services.core.events import Meta  # noqa: E402
from services.deposit.commands import SubmitProposal  # noqa: E402
from services.runtime.app import create_app  # noqa: E402
from services.runtime.bootstrap import bootstrap  # noqa: E402
from services.runtime.settings import Settings  # noqa: E402
from services.web.deps import web_of_app  # noqa: E402

try:  # where the participant context lives (moved by ADR 0029)
    from services.core.participants import ParticipantContext
except ImportError:  # pragma: no cover - the layout before
    from services.deposit.participant import ParticipantContext  # type: ignore[no-redef]

SYSTEM = Meta(actor=Actor.system())
CID = "velo"


class Trace:
    def __init__(self) -> None:
        self.modules: set[str] = set()
        self.on = False

    def __call__(self, frame: Any, event: str, arg: Any) -> None:
        if self.on and event == "call":
            name = frame.f_globals.get("__name__", "")
            if name.startswith("services."):
                self.modules.add(name)

    def __enter__(self) -> Trace:
        self.modules.clear()
        self.on = True
        sys.setprofile(self)
        threading.setprofile(self)
        return self

    def __exit__(self, *_: object) -> None:
        self.on = False
        sys.setprofile(None)
        threading.setprofile(None)  # type: ignore[arg-type]


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not await check():
        assert asyncio.get_running_loop().time() < deadline, "did not catch up"
        await asyncio.sleep(0.02)


async def catch_up(container: Any) -> None:
    for worker in container.workers():
        consumer = getattr(worker, "consumer", None) or worker.projection
        sub = await container.log.subscribe(worker.group, consumer.topics)
        try:
            while await worker.run_once(sub):
                pass
        finally:
            await sub.close()
    for consumer in [*getattr(container, "projections", []), *getattr(container, "processes", [])]:
        idle = getattr(consumer, "idle", None)
        if idle is not None:
            await idle()


def client(app: Any, who: str | None = None) -> httpx.AsyncClient:
    c = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://parlons.test")
    if who is not None:
        web = web_of_app(app)
        c.cookies.set(web.sessions.cookie, web.sessions.issue(who, kind="participant",
                                                              level="email"))
    return c


async def journeys() -> dict[str, set[str]]:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(event_log="memory", read_store="memory", data_dir=Path(tmp))
        container = bootstrap(settings)
        app = create_app(container)
        now = datetime.now(UTC)
        await container.start()
        try:
            for cmd in (CreateConsultation(CID, "Le vélo en ville", CID),
                        SchedulePhases(CID, (PhaseSpec(
                            "vote", "vote", "Vote", now - timedelta(hours=1),
                            now + timedelta(days=5),
                            actions=("deposit", "vote_support", "vote_agree")),)),
                        PublishConsultation(CID)):
                await container.handle(cmd, SYSTEM)
            await catch_up(container)
            for n in range(2):
                await container.handle(SubmitProposal(
                    f"item-{n}", CID, ParticipantContext("p-author", "email"), "Une proposition",
                    "Une proposition assez longue pour passer."), SYSTEM)
            await catch_up(container)
            walks: dict[str, set[str]] = {}
            # Each journey runs twice: once untraced to warm what is built on first use
            # (FastAPI's route contexts, templates), then traced on other data.
            async with client(app, "p-voter") as voter:
                token = (await voter.get("/api/session")).json()["csrf_token"]
                for n in (1, 0):
                    with Trace() as trace:
                        cast = await voter.post(f"/api/items/item-{n}/ballot", json={
                            "kind": "agree", "choice": "agree"},
                            headers={"Idempotency-Key": f"k{n}", "X-CSRF-Token": token})
                        assert cast.status_code == 200, cast.text
                        await catch_up(container)
                        page = await voter.get(f"/vote/{CID}/resultats")
                        assert page.status_code == 200, page.status_code
                walks["ballot: route -> results page"] = set(trace.modules)
            async with client(app, "p-author2") as author:
                for title in ("Des bancs partout", "Des arceaux partout"):
                    form = await author.get(f"/consultations/{CID}/propositions/nouvelle")
                    fields = dict(re.findall(r'name="(csrf_token|cle)" value="([^"]+)"',
                                             form.text))
                    with Trace() as trace:
                        sent = await author.post(
                            f"/consultations/{CID}/propositions/nouvelle",
                            data={**fields, "title": title,
                                  "body": "Devant chaque école, et solides."})
                        assert sent.status_code in (200, 303), sent.status_code
                        await catch_up(container)
                walks["proposal: form -> search index"] = set(trace.modules)
            return walks
        finally:
            await container.close()


def main() -> None:
    walks = asyncio.run(journeys())
    for name, modules in walks.items():
        by_package: dict[str, list[str]] = defaultdict(list)
        for m in sorted(modules):
            parts = m.split(".")
            by_package[parts[1]].append(".".join(parts[2:]) or "(package)")
        print(f"== {name}: {len(modules)} modules")
        for package, names in sorted(by_package.items()):
            print(f"  {package:13} {len(names):3}  {' '.join(names)}")
    print("modules: " + ", ".join(f"{n.split(':')[0]} {len(m)}" for n, m in walks.items()))


if __name__ == "__main__":
    main()
