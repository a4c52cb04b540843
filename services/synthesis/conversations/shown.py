"""A consultation's own agree/disagree statements are its items, whose text is the
deposit's: one hidden by moderation, withdrawn, or whose author was erased after it
was voted on is no longer shown to the public, and leaves the groups as a
moderated-out Pol.is statement does. Without this its text reached the public page
through a publication of the groups, and the analysts' view clustered on it."""

from __future__ import annotations

from dataclasses import replace

from services.moderation import publication
from services.store.port import ReadStore
from services.synthesis.opinions import OpinionBook

MODERATED_OUT = -1  # as Pol.is marks a statement its moderators took out


async def leave_out_unshown(book: OpinionBook, store: ReadStore) -> None:
    """Marks moderated out the book's voted items the public no longer sees (their
    public state, as moderation keeps it); imported statements carry their own mark."""
    items = [s.statement_id for s in book.statements.values()
             if not s.body and s.moderated != MODERATED_OUT]
    if not items:
        return
    states = await store.get_many(publication.STATE, publication.ALL, items)
    for item in items:
        state = states.get(item)
        if state is None or not publication.shows(state):
            book.statements[item] = replace(book.statements[item], moderated=MODERATED_OUT)
