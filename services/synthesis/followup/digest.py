"""The e-mail digest job: for each participant with pending notices, one French
message goes through the `ParticipantMail` port (the identity service reads the
address from its vault at send time, never from an event or a read model), then
`DigestSent` records how many notices it covered. A participant erased meanwhile
has no address: their notices are dropped the same way, unsent."""

from __future__ import annotations

from services.core.clock import Clock
from services.core.errors import ConcurrencyConflict
from services.core.events import Meta
from services.core.notify import ParticipantMail
from services.eventlog.port import EventLog, append_to
from services.store.port import ReadStore
from services.synthesis.followup.events import DigestSent
from services.synthesis.followup.model import STATUSES
from services.synthesis.followup.tables import DIGESTS, digest_stream

SUBJECT = "Parlons : des suites données à vos contributions"


def digest_body(items: list[dict[str, str]], public_url: str) -> str:
    lines = ["Bonjour,", "", "Des réponses ont été publiées sur des sujets auxquels vous "
             "avez contribué :", ""]
    lines += [f"- {i['title']} : {STATUSES.get(i['status'], i['status'])}" for i in items]
    lines += ["", f"Retrouvez-les dans vos notifications : {public_url.rstrip('/')}"
              "/compte/notifications", "", "L'équipe Parlons"]
    return "\n".join(lines)


async def send_digests(*, log: EventLog, store: ReadStore, clock: Clock, mail: ParticipantMail,
                       meta: Meta, public_url: str = "") -> int:
    """Returns the number of messages sent."""
    sent = 0
    pending = [(pid, doc) async for _, pid, doc in store.scan(DIGESTS) if doc["items"]]
    for pid, doc in pending:
        if await mail.send(pid, SUBJECT, digest_body(doc["items"], public_url)):
            sent += 1
        try:
            await append_to(log, digest_stream(pid), doc.get("version", 0),
                            [DigestSent(pid, len(doc["items"]))], clock=clock, meta=meta)
        except ConcurrencyConflict:
            continue  # another job instance recorded this digest first
    return sent
