"""`parlons polis import|groups|export`: a Pol.is conversation (its CSV export)
imported into a consultation through the synthesis handler (its files put in the
blob store, the command sent, with the Kafka bus, to the synthesis_themes replica
owning the conversation, ADR 0081), the opinion groups
of a consultation (an imported conversation, or its own agree/disagree ballots)
printed and, with `--publish`, published, and the consultation's opinions
exported in the Pol.is CSV format with the groups in `group-id`."""

from __future__ import annotations

import sys
from pathlib import Path

from services.core.envelope import Actor
from services.core.errors import (
    CommandTimedOut,
    ConcurrencyConflict,
    DomainError,
    EventLogUnavailable,
    NotFound,
)
from services.core.events import Meta
from services.core.plurals import english_count
from services.runtime.bootstrap import bootstrap
from services.runtime.command_processes import front_commands
from services.runtime.runner import running
from services.runtime.settings import Settings
from services.synthesis.conversations.handlers import ImportConversation, PublishOpinionGroups
from services.synthesis.conversations.shown import leave_out_unshown
from services.synthesis.groups.analysis import OpinionAnalysis, analyse_opinions
from services.synthesis.groups.svgmap import GROUP_NAMES
from services.synthesis.opinions import OpinionBook
from services.synthesis.polis.staging import stage_export
from services.synthesis.polis.writer import write_polis

POLIS_ACTOR = Actor(id="polis-cli", role="analyst")
SERVICES = ["consultation", "synthesis_themes"]


async def import_command(settings: Settings, consultation: str, directory: str) -> int:
    container = bootstrap(settings, services=SERVICES)
    async with running(container, workers=False), front_commands(container):
        files = await stage_export(Path(directory), container.blobs)
        try:
            report = await container.handle(ImportConversation(consultation, files),
                                            Meta(actor=POLIS_ACTOR))
        except NotFound:
            print(f"polis import: unknown consultation {consultation}", file=sys.stderr)
            return 2
        except DomainError as refused:
            print(f"polis import: refused: {refused.message}", file=sys.stderr)
            return 1
        except ConcurrencyConflict:
            print(f"polis import: a conversation is already imported into {consultation}",
                  file=sys.stderr)
            return 1
        except CommandTimedOut as late:  # the replica imports it, or starts it soon
            print(f"polis import: {late}; a synthesis replica goes on with the import, "
                  "or starts it within the hour (ADR 0129): the groups page shows it "
                  "arriving; run the same command again to wait for its report (the "
                  "same files are imported once)", file=sys.stderr)
            return 3
        except EventLogUnavailable as down:  # between two chunks (ADR 0124)
            print(f"polis import: interrupted ({down}); what was appended stays: run "
                  "the same command again to finish the import", file=sys.stderr)
            return 3
    if report.get("already_imported"):  # a retry: the first import stands
        print(f"polis import: these files are already imported into {consultation}")
    if report.get("resumed"):
        print("polis import: an interrupted import of these files was finished")
    for skipped in report["skipped"]:
        print(f"skipped: {skipped}")
    print(f"polis import: {english_count(report['statements'], 'statement')}, "
          f"{english_count(report['votes'], 'vote')}, "
          f"{english_count(report['participants'], 'participant')}; "
          f"{english_count(len(report['skipped']), 'line')} skipped")
    return 0


async def groups_command(settings: Settings, consultation: str, publish: bool) -> int:
    container = bootstrap(settings, services=SERVICES)
    async with running(container, workers=False), front_commands(container):
        book = await OpinionBook.from_log(container.log, consultation)
        _warn_if_arriving(book, "polis groups")
        await leave_out_unshown(book, container.store)  # as a publication does
        try:
            analysis = analyse_opinions(book)
        except ValueError as too_few:
            print(f"polis groups: {too_few}", file=sys.stderr)
            return 1
        if publish:
            try:
                await container.handle(PublishOpinionGroups(consultation),
                                       Meta(actor=POLIS_ACTOR))
            except (NotFound, DomainError) as refused:
                print(f"polis groups: not published: {refused}", file=sys.stderr)
                return 2
            except CommandTimedOut as late:  # the replica may still be publishing
                print(f"polis groups: {late}; the outcome is unknown: publish again "
                      "(the same groups are published once)", file=sys.stderr)
                return 3
    _print_groups(book, analysis)
    if publish:
        print("polis groups: published")
    return 0


def _warn_if_arriving(book: OpinionBook, command: str) -> None:
    """An import still arriving or interrupted (ADR 0124): what follows is a part."""
    if (missing := book.import_arriving()) is not None:
        print(f"{command}: the imported conversation is not whole yet ({missing[0]} "
              f"statements and {missing[1]} votes to come; if its import was "
              "interrupted, run the same `parlons polis import` again)", file=sys.stderr)


def _print_groups(book: OpinionBook, analysis: OpinionAnalysis) -> None:
    groups = analysis.groups
    silhouettes = ", ".join(f"k={k}: {s:.3f}" for k, s in sorted(groups.silhouettes.items()))
    print(f"{len(groups.participants)} participants in {groups.k} groups "
          f"({len(groups.others)} with too few votes, not grouped); silhouette {silhouettes}")

    def line(statement_id: str, direction: str, p: float) -> str:
        s = book.statements[statement_id]
        return f"    #{s.number} {direction} {p:.0%}: {(s.body or statement_id)[:100]}"

    for g in range(groups.k):
        print(f"group {GROUP_NAMES[g]}: {int((groups.labels == g).sum())} participants")
        for r in analysis.representative[g]:
            print(line(r.statement_id, r.direction, r.p_in))
    print("consensus:")
    for c in analysis.consensus:
        print(line(c.statement_id, c.direction, c.probability))


async def export_command(settings: Settings, consultation: str, out: str) -> int:
    container = bootstrap(settings, services=SERVICES)
    async with running(container, workers=False):
        book = await OpinionBook.from_log(container.log, consultation)
    _warn_if_arriving(book, "polis export")
    if not book.statements:
        print(f"polis export: no opinions in {consultation}", file=sys.stderr)
        return 2
    try:
        group_of = analyse_opinions(book).group_of()
    except ValueError:  # too few to group: exported without groups
        group_of = {}
    write_polis(book, Path(out), group_of=group_of)
    print(f"polis export: {len(book.statements)} statements, {len(book.history)} votes, "
          f"{len(set(group_of.values()))} groups written to {out}")
    return 0
