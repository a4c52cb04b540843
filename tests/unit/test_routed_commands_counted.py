"""A front counts the commands it routes apart from those it decides: the replica
that decides a routed command counts it in `parlons_commands_total`, and the
front counted it there too, so a sum over the fleet counted every routed command
twice, and a front's 504s looked like the log refusing a write."""

from __future__ import annotations

from typing import Any

import pytest

from services.consultation.commands import CreateConsultation
from services.core.envelope import Actor
from services.core.errors import CommandTimedOut
from services.core.events import Meta
from services.runtime.bootstrap import bootstrap
from services.runtime.settings import Settings
from services.store.memory import MemoryReadStore

META = Meta(Actor("p-orga", "organiser"))


class Replicas:
    """The owning service's replicas, as the front's router reaches them."""

    def __init__(self, answer: Exception | None = None) -> None:
        self.answer = answer

    def routes(self, command: object) -> bool:
        return isinstance(command, CreateConsultation)

    async def handle(self, command: object, *, meta: Meta) -> Any:
        if self.answer is not None:
            raise self.answer
        return "c1"


def sample(container: Any, name: str, outcome: str) -> float | None:
    return container.metrics.registry.get_sample_value(
        name, {"command": "CreateConsultation", "outcome": outcome})


@pytest.mark.parametrize(("answer", "outcome"), [
    (None, "ok"), (CommandTimedOut("consultation.commands", 10), "unavailable")])
async def test_a_routed_command_is_counted_as_routed_not_as_decided(
        answer: Exception | None, outcome: str) -> None:
    front = bootstrap(Settings(event_log="memory", read_store="memory"),
                      store=MemoryReadStore())
    front.remote = Replicas(answer)  # type: ignore[assignment]
    command = CreateConsultation("c1", "Vélo", "velo")
    if answer is None:
        assert await front.handle(command, META) == "c1"
    else:
        with pytest.raises(CommandTimedOut):
            await front.handle(command, META)
    assert sample(front, "parlons_commands_routed_total", outcome) == 1
    assert sample(front, "parlons_commands_total", outcome) in (None, 0)
