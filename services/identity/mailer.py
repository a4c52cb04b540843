"""Mail delivery: SMTP (production) or the local outbox (embedded default).

The outbox never keeps a message in clear: it is sealed with the recipient's
vault key, so erasing the person shreds their messages too, and retention
deletes old ones.
"""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage

import orjson

from services.core.clock import Clock
from services.core.ids import new_id
from services.identity.ports import Mail, Mailer, OutboxMessage, OutboxStore
from services.identity.vault import Vault

OUTBOX_PURPOSE = "outbox"


class OutboxMailer(Mailer):
    def __init__(self, outbox: OutboxStore, vault: Vault, clock: Clock) -> None:
        self._outbox, self._vault, self._clock = outbox, vault, clock

    async def send(self, mail: Mail) -> None:
        body = orjson.dumps({"to": mail.to, "subject": mail.subject, "body": mail.body})
        sealed = await self._vault.seal_for(mail.person_id, body, purpose=OUTBOX_PURPOSE)
        if sealed is None:
            return  # erased meanwhile: nobody to write to
        await self._outbox.add(OutboxMessage(new_id(), mail.person_id, self._clock.now(), sealed))

    async def read(self, limit: int = 50) -> list[dict[str, str]]:
        """Messages still readable (developer page): newest first."""
        shown = []
        for m in await self._outbox.recent(limit):
            raw = await self._vault.open_for(m.person_id, m.sealed, purpose=OUTBOX_PURPOSE)
            if raw is not None:
                shown.append({**orjson.loads(raw), "created_at": m.created_at.isoformat()})
        return shown


class SmtpMailer(Mailer):
    def __init__(self, *, host: str, port: int, sender: str, user: str = "",
                 password: str = "", starttls: bool = False, timeout: float = 10.0) -> None:
        self._host, self._port, self._sender = host, port, sender
        self._user, self._password, self._starttls = user, password, starttls
        self._timeout = timeout

    async def send(self, mail: Mail) -> None:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = self._sender, mail.to, mail.subject
        msg.set_content(mail.body)
        await asyncio.to_thread(self._deliver, msg)  # smtplib blocks

    def _deliver(self, msg: EmailMessage) -> None:
        with smtplib.SMTP(self._host, self._port, timeout=self._timeout) as smtp:
            if self._starttls:
                smtp.starttls()
            if self._user:
                smtp.login(self._user, self._password)
            smtp.send_message(msg)


class VaultMail:
    """`core.notify.ParticipantMail` over the vault and a mailer: the address is
    read from the vault at send time, never from an event or a read model."""

    def __init__(self, vault: Vault, mailer: Mailer) -> None:
        self._vault, self._mailer = vault, mailer

    async def send(self, participant_id: str, subject: str, body: str) -> bool:
        profile = await self._vault.profile(participant_id) or {}
        if not profile.get("email"):
            return False
        await self._mailer.send(Mail(person_id=participant_id, to=profile["email"],
                                     subject=subject, body=body))
        return True
