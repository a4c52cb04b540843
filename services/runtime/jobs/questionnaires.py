"""`parlons questionnaire import CONSULTATION FILE [--format F] [--dry-run]`:
the back office's import for scripts (ADR 0063). Prints what the file would
create, or its errors line by line (exit 1, nothing saved); then saves the
questionnaires through `SaveQuestionnaire` unless `--dry-run`.

The questionnaire ids come from the consultation and the file's content, so
running the same import again (after an interruption, or by mistake) writes
nothing twice: only what has never existed is written."""

from __future__ import annotations

import asyncio
import hashlib
import sys
from pathlib import Path

from services.consultation import content
from services.consultation.imports import Parsed, parse_file, preview
from services.consultation.model import stream_of
from services.core.envelope import Actor
from services.core.events import Meta
from services.core.plurals import french_count
from services.runtime.bootstrap import bootstrap
from services.runtime.runner import running
from services.runtime.settings import Settings

PREFIX = "questionnaire import"


def import_command(settings: Settings, consultation: str, file: str, fmt: str | None,
                   dry_run: bool) -> int:
    path = Path(file)
    if not path.is_file():
        print(f"{PREFIX}: fichier introuvable : {file}", file=sys.stderr)
        return 2
    data = path.read_bytes()
    parsed = parse_file(data, fmt, path.name)
    _print_preview(parsed)
    if parsed.issues:
        print(f"{PREFIX}: {french_count(len(parsed.issues), 'erreur')}, rien n'est importé :",
              file=sys.stderr)
        for issue in parsed.issues:
            print(f"  {issue}", file=sys.stderr)
        return 1
    key = "import-" + hashlib.sha256(consultation.encode() + b"\0" + data).hexdigest()[:16]
    return asyncio.run(_save(settings, consultation, parsed, key, dry_run))


async def _save(settings: Settings, consultation: str, parsed: Parsed, key: str,
                dry_run: bool) -> int:
    container = bootstrap(settings, services=["consultation"])
    async with running(container, workers=False):
        if not await container.log.stream_version(stream_of(consultation)):
            print(f"{PREFIX}: consultation inconnue : {consultation}", file=sys.stderr)
            return 2
        if dry_run:
            print(f"{PREFIX}: --dry-run, rien n'est enregistré.")
            return 0
        written = 0
        for command in parsed.commands(consultation, key):
            stream = content.stream("questionnaire", command.questionnaire_id)
            before = await container.log.stream_version(stream)
            await container.handle(command, Meta(actor=Actor.system()))
            written += await container.log.stream_version(stream) > before
    already = "" if written == len(parsed.sheets) else " (les autres l'étaient déjà)"
    imported = french_count(written, "questionnaire importé", "questionnaires importés")
    print(f"{PREFIX}: {imported} dans {consultation}{already}.")
    return 0


def _print_preview(parsed: Parsed) -> None:
    for sheet in preview(parsed):
        print(f"{sheet['title']} ({sheet['where']}) : "
              f"{french_count(len(sheet['questions']), 'question')}")
        for q in sheet["questions"]:
            details = [q["kind"]] + (["obligatoire"] if q["required"] else [])
            options = f" [{' | '.join(q['options'])}]" if q["options"] else ""
            condition = f" ({q['condition']})" if q["condition"] else ""
            print(f"  {q['where']} {q['id']} — {q['text']}{options} — {', '.join(details)}"
                  f"{condition}")
