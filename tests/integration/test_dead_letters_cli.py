"""`parlons dead-letters list|replay` on a real SQLite platform whose projection is
deliberately poisoned: the letter is listed, a replay while the bug is still
there fails and leaves it pending (exit 1), a replay once fixed re-drives it and
the tallies equal the log; a letter whose stream moved on is refused and settled
by rebuilding the projection (`parlons replay`, alone or `--all`)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from harness.cli import commands_over
from harness.consultations import deposit_phase, publish
from harness.platform import SYSTEM
from harness.processes import ROOT, seed_vote

from services.consultation.projections import CATALOGUE, CatalogueProjection
from services.core.envelope import Actor, Envelope
from services.core.events import Meta
from services.core.participants import ParticipantContext
from services.runtime.bootstrap import Container, bootstrap
from services.runtime.cli import main
from services.runtime.runner import running
from services.runtime.settings import Settings
from services.store.port import StoreTx
from services.vote.commands import CastBallot
from services.vote.projections import TalliesProjection


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A data folder for `main()` and the workers, which give up after one attempt;
    the root logger as it was afterwards (`main()` configures it for a process)."""
    with commands_over(tmp_path, monkeypatch, WORKER_RETRIES="1", WORKER_BACKOFF_BASE="0.01"):
        yield tmp_path


def poison(monkeypatch: pytest.MonkeyPatch, projection: type, fails: Callable[[Envelope], bool],
           ) -> Callable[[], None]:
    """`projection` raises on the events `fails` picks until the returned fix is called."""
    original, broken = projection.apply, [True]

    async def apply(self: object, event: Envelope, tx: StoreTx) -> None:
        if broken and fails(event):
            raise ValueError(f"projection bug on {event.type}")
        await original(self, event, tx)

    monkeypatch.setattr(projection, "apply", apply)
    return lambda: broken.clear()


async def with_workers(write: Callable[[Container], Awaitable[None]]) -> None:
    """`write`, then the workers until every subscription has caught up."""
    container = bootstrap(Settings())
    async with running(container):
        await write(container)
        deadline = asyncio.get_running_loop().time() + 20
        while any([await w.lag() for w in container.built_workers]):
            assert asyncio.get_running_loop().time() < deadline, "workers did not catch up"
            await asyncio.sleep(0.05)


def parlons(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    return code, capsys.readouterr().out


def test_list_then_replay_fails_while_the_bug_is_there_and_succeeds_once_fixed(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    items = asyncio.run(seed_vote(data, 2))
    fix = poison(monkeypatch, TalliesProjection, lambda e: e.data.get("item_id") == items[1])

    async def cast(container: Container) -> None:
        for item in items:
            await container.handle(CastBallot(item, ParticipantContext("voter-0"), "agree",
                                              "agree"), Meta(Actor("voter-0", "participant")))
    asyncio.run(with_workers(cast))

    listed = subprocess.run(  # the command line itself, once
        [sys.executable, "-m", "services.runtime", "dead-letters", "list"], cwd=ROOT,
        env=dict(os.environ), capture_output=True, text=True, timeout=60)
    assert listed.returncode == 0, listed.stderr
    assert "lettres mortes en attente : 1" in listed.stdout
    [line] = [x for x in listed.stdout.splitlines() if "vote.tallies" in x]
    assert "vote.BallotCast" in line and "vote.events/0/" in line
    assert "  1 tentative  " in line and "ValueError: projection bug" in line
    event_id = line.split()[3]

    code, out = parlons(capsys, "dead-letters", "replay", "--group", "vote.tallies")
    assert code == 1
    assert "échoue encore (ValueError" in out
    assert "lettres mortes : 0 relancée, 1 toujours en attente" in out
    assert "en attente : 1" in parlons(capsys, "dead-letters", "list")[1]

    fix()
    code, out = parlons(capsys, "dead-letters", "replay", "--event", event_id)
    assert (code, "lettres mortes : 1 relancée, 0 toujours en attente" in out) == (0, True), out
    assert parlons(capsys, "dead-letters", "list") == (0, "lettres mortes en attente : 0\n")
    code, out = parlons(capsys, "recount")
    assert (code, "; 0 différence\n" in out) == (0, True), out


@pytest.mark.parametrize("rebuild", [("consultation.catalogue",), ("--all",)],
                         ids=["one", "all"])
def test_a_letter_whose_stream_moved_on_is_refused_then_settled_by_a_rebuild(
    data: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    rebuild: tuple[str, ...],
) -> None:
    fix = poison(monkeypatch, CatalogueProjection,
                 lambda e: e.type == "consultation.ConsultationCreated")

    async def create(container: Container) -> None:  # created, scheduled, published
        await publish(container, SYSTEM, "c-1", "Vélo", "velo", deposit_phase(datetime.now(UTC)))
    asyncio.run(with_workers(create))
    fix()

    code, out = parlons(capsys, "dead-letters", "replay")
    assert code == 1
    assert "parlons replay consultation.catalogue" in out  # applying it now: out of order

    code, out = parlons(capsys, "replay", *rebuild)
    assert code == 0 and "consultation.catalogue: 1 dead letter settled by the rebuild" in out
    assert parlons(capsys, "dead-letters", "list") == (0, "lettres mortes en attente : 0\n")

    async def published() -> bool:
        container = bootstrap(Settings())
        async with container:
            doc = await container.store.get(CATALOGUE, "all", "c-1")
        return bool(doc and doc["published"])
    assert asyncio.run(published())
