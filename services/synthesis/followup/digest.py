"""The e-mail digest job: for each participant with pending notices, one French
message goes through the `ParticipantMail` port (the identity service reads the
address from its vault at send time, never from an event or a read model), then
`DigestSent` records how many notices it covered. A participant erased meanwhile
has no address: their notices are dropped the same way, unsent."""

from __future__ import annotations

from collections.abc import Mapping

from services.consultation import queries as consultations
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


def digest_body(items: list[dict[str, str]], public_url: str,
                titles: Mapping[str, str] | None = None) -> str:
    """The message of `items` (notices, oldest first), grouped by consultation
    (`titles`: consultation id -> title) and by response, each response once with
    its statuses in order; singular for one response."""
    grouped: dict[str, dict[str, list[str]]] = {}  # consultation -> response -> statuses
    named: dict[str, str] = {}  # response -> its latest title
    for i in items:
        key = i.get("response_id") or i["title"]
        statuses = grouped.setdefault(i.get("consultation_id", ""), {}).setdefault(key, [])
        named[key] = i["title"]
        status = _status(i["status"])
        if status not in statuses[-1:]:
            statuses.append(status)
    names = {cid: (titles or {}).get(cid, "") for cid in grouped}
    one = sum(len(r) for r in grouped.values()) == 1
    intro = ("Une réponse a été publiée sur un sujet auquel vous avez contribué" if one else
             "Des réponses ont été publiées sur des sujets auxquels vous avez contribué")
    if len(grouped) == 1 and next(iter(names.values())):
        intro += f" dans la consultation « {next(iter(names.values()))} »"
    lines = ["Bonjour,", "", intro + " :"]
    for cid, responses in grouped.items():
        lines.append("")
        if len(grouped) > 1:
            lines.append(f"Consultation « {names[cid]} » :" if names[cid] else
                         "Autre consultation :")
        lines += [f"- « {named[key]} », statut : {', puis '.join(statuses)}."
                  for key, statuses in responses.items()]
    lines += ["", f"Retrouvez-{'la' if one else 'les'} dans vos notifications : "
              f"{public_url.rstrip('/')}/compte/notifications", "", "L'équipe Parlons"]
    return "\n".join(lines)


def _status(code: str) -> str:
    """« adoptée », « à l'étude »: the status's label inside a sentence."""
    label = STATUSES.get(code, code)
    return label[:1].lower() + label[1:]


async def send_digests(*, log: EventLog, store: ReadStore, clock: Clock, mail: ParticipantMail,
                       meta: Meta, public_url: str = "") -> int:
    """Returns the number of messages sent."""
    sent = 0
    pending = [(pid, doc) async for _, pid, doc in store.scan(DIGESTS) if doc["items"]]
    titles: dict[str, str] = {}  # the consultations named, each read once
    for pid, doc in pending:
        for cid in {i.get("consultation_id", "") for i in doc["items"]} - titles.keys():
            found = await consultations.consultation(store, cid) if cid else None
            titles[cid] = str(found.get("title") or "") if found else ""
        if await mail.send(pid, SUBJECT, digest_body(doc["items"], public_url, titles)):
            sent += 1
        try:
            await append_to(log, digest_stream(pid), doc.get("version", 0),
                            [DigestSent(pid, len(doc["items"]))], clock=clock, meta=meta)
        except ConcurrencyConflict:
            continue  # another job instance recorded this digest first
    return sent
