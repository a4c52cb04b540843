"""Every command has a handler, and every handler asks only for ports the
composition root provides."""

from __future__ import annotations

import inspect

from services.consultation import commands, content_commands
from services.consultation.service import HANDLERS, PROJECTIONS

PORTS = {"log", "clock", "meta", "store", "blobs", "max_bytes"}
VALUE_TYPES = {"ThemeSpec", "PhaseSpec", "VoteMethodSpec", "OptionSpec", "ConditionSpec",
               "QuestionSpec"}


def _command_classes() -> set[type]:
    out = set()
    for module in (commands, content_commands):
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and obj.__module__ == module.__name__ \
                    and name not in VALUE_TYPES:
                out.add(obj)
    return out


def test_every_command_has_a_handler() -> None:
    missing = {c.__name__ for c in _command_classes()} - {c.__name__ for c in HANDLERS}
    assert not missing


def test_handlers_take_the_command_first_then_ports_by_keyword() -> None:
    for command, handler in HANDLERS.items():
        params = list(inspect.signature(handler).parameters.values())
        assert params[0].kind is inspect.Parameter.POSITIONAL_OR_KEYWORD, command
        assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params[1:]), command
        assert {p.name for p in params[1:]} <= PORTS, command


def test_projection_names_are_unique_and_listen_to_the_consultation_topic() -> None:
    made = [make() for make in PROJECTIONS]
    assert len({p.name for p in made}) == len(made)
    assert all(p.topics == ("consultation.events",) for p in made)
    tables = [t for p in made for t in p.tables]
    assert len(tables) == len(set(tables))  # a replay of one never drops another's table
