"""`parlons verify`: every read model compared with the log (ADR 0032). Prints the
differences in French and exits 1 if there are any (2 if the log cannot be read).

- each consumer's marks (its position: the last event it read per partition)
  must still be in the log, at the same offsets;
- each projection's guards (the last version applied per stream) must equal the
  log's stream versions: a guard above the log means the read model holds events
  the log lost; below (or missing), events not applied yet (lag, dead letters).
  The events a projection passes over (`Projection.skips`, ADR 0087) are never
  guarded, so they do not count in its versions; a guard left on one of them by
  code from before it was passed over (ADR 0049) is above those but not above the
  stream's last version in the log, and is no loss. The types a projection guards
  by its own documents (`guards_itself`, ADR 0131) have their versions read from
  them (`Projection.own_guards`);
- an outside view (the search index) must have been built from this log.

It reads every topic once, like `recount`: an operator's check, not a page.
"""

from __future__ import annotations

from services.core.errors import EventLogUnavailable
from services.core.plurals import french_count
from services.eventlog.port import read_all
from services.runtime.amnesia import drifts, load_marks
from services.runtime.bootstrap import Container, bootstrap
from services.runtime.runner import running
from services.runtime.settings import Settings
from services.store.projection import Projection

_EXAMPLES = 3


async def verify_command(settings: Settings) -> int:
    container = bootstrap(settings)
    try:
        async with running(container, workers=False):
            lines = await differences(container)
    except EventLogUnavailable as e:
        print(f"vérification impossible : le journal ne répond pas ({e})")
        return 2
    consumers = len(container.projections) + len(container.processes)
    print(f"vérification : {french_count(consumers, 'lecteur')} du journal ; "
          f"{french_count(len(lines), 'différence')}")
    for line in lines:
        print(f"  {line}")
    return 1 if lines else 0


async def differences(container: Container) -> list[str]:
    log, store = container.log, container.store
    lines: list[str] = []
    names = [c.name for c in container.projections] + [c.name for c in container.processes]
    for name in names:
        marks = await load_marks(store, name)
        lines += [d.en_francais() for d in await drifts(log, name, marks.values())]
    # per projection: the last version of each stream among the events it applies;
    # and each stream's last version in the log, whatever applies it
    versions: dict[str, dict[str, int]] = {p.name: {} for p in container.projections}
    last: dict[str, int] = {}
    for topic in sorted({t for p in container.projections for t in p.topics}):
        readers = [p for p in container.projections if topic in p.topics]
        async for r in read_all(log, topic):
            event = r.event
            last[event.stream] = max(last.get(event.stream, 0), event.stream_version)
            for p in readers:
                if not p.skips(event):
                    seen = versions[p.name].get(event.stream, 0)
                    versions[p.name][event.stream] = max(seen, event.stream_version)
    identity: str | None = None
    for projection in container.projections:
        lines += await _guards(container, projection, versions[projection.name], last)
        origin = await projection.built_from()
        if origin is not None:
            identity = identity or await log.identity()
            if origin != identity:
                lines.append(f"{projection.name} : l'index de recherche a été construit à "
                             f"partir d'un autre journal ({origin or 'journal inconnu'}) "
                             f"que celui-ci ({identity}) : il faut le reconstruire")
    return lines


async def _guards(container: Container, projection: Projection,
                  in_log: dict[str, int], last: dict[str, int]) -> list[str]:
    ahead: list[str] = []
    behind: list[str] = []
    applied: dict[str, int] = {}
    async for stream, version in container.store.guards(projection.name):
        applied[stream] = version
    async for stream, version in projection.own_guards(container.store):
        applied[stream] = max(version, applied.get(stream, 0))
    for stream, version in applied.items():
        logged = in_log.get(stream, 0)
        if version > last.get(stream, 0):
            ahead.append(f"{stream} : version {version} lue, {last.get(stream, 0)} "
                         f"dans le journal")
        elif version < logged:
            behind.append(f"{stream} : version {version} appliquée, {logged} dans le journal")
    behind += [f"{s} : version 0 appliquée, {v} dans le journal"
               for s, v in sorted(in_log.items()) if s not in applied]
    lines = []
    if ahead:
        lines.append(f"{projection.name} : {len(ahead)} flux en avance sur le journal, qui a "
                     f"perdu des événements que ce modèle de lecture contient "
                     f"(par ex. {' ; '.join(ahead[:_EXAMPLES])})")
    if behind:
        lines.append(f"{projection.name} : {len(behind)} flux en retard sur le journal, des "
                     f"événements pas encore appliqués (par ex. {' ; '.join(behind[:_EXAMPLES])})")
    return lines
