"""The identity service's flows, as a front end calls them: registration and
magic-link sign-in, anonymous sessions' proof of work, a participant's own data
and its erasure; OpenID Connect sign-in (`self.oidc`), a consultation's team
(`self.team`) and a change of e-mail address (`self.email_change`). Each takes
plain values (a client key, what the person typed) and raises a `DomainError`
with a French message on refusal, `RateLimited` when over a limit. No account
enumeration: asking a link for an unknown address answers exactly as for a known
one, registering an address that has an account answers exactly as for a new
one (its owner is written to), and so does moving one's account to it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from services.core.bus import Bus
from services.core.errors import DomainError
from services.identity import model
from services.identity.acting import Acting, Settle, SignedIn
from services.identity.commands import (
    ChangeProfile,
    EraseParticipant,
    RecordProfileChange,
    RegisterParticipant,
    RevokeSessions,
)
from services.identity.email_change import EmailChange
from services.identity.export import export_participant
from services.identity.handlers import EMAIL_TAKEN
from services.identity.mailer import OutboxMailer
from services.identity.oidc import OidcClient
from services.identity.oidc_signin import OidcSignIn
from services.identity.ports import Mail
from services.identity.service import IdentityPorts
from services.identity.team import Team
from services.store.port import ReadStore
from services.territory import departement_of_postcode

LINK_PATH = "/connexion/lien"  # the front end's confirmation page, named in the e-mail
ERASED = DomainError("erased_account", "Ce compte n'existe plus.", field="jeton")


@dataclass(frozen=True, slots=True)
class Challenge:
    """An anti-robot challenge for a browser (static/js/pow.js) and, without
    JavaScript, a wait ticket that stands in for the work."""

    challenge: str
    bits: int
    wait_ticket: str
    wait_seconds: int


def anonymous_scope(consultation_id: str) -> str:
    """What a proof of work is bound to: opening an anonymous session there."""
    return f"anonymous:{consultation_id}"


class IdentityFlows(Acting):
    def __init__(self, ports: IdentityPorts, bus: Bus, store: ReadStore, settle: Settle,
                 *, oidc_client: OidcClient | None = None) -> None:
        """`oidc_client`: the provider's client (by default from the settings)."""
        super().__init__(ports, bus, store, settle)
        self.oidc = OidcSignIn(self, oidc_client or OidcClient(ports.settings))
        self.team = Team(self)
        self.email_change = EmailChange(self)

    # -- registration and magic links ------------------------------------------
    async def register(self, client: str, *, email: str, pseudonym: str,
                       postcode: str = "") -> str | None:
        """A new participant (as themselves), then a magic link to their address:
        the account reaches the e-mail level once the link is used. An address that
        already has an account gets no second one: its owner is written to (an
        account exists, and a link to sign in) and the caller learns nothing, so
        the answer is the new address's (ADR 0133). The new participant's id, or
        None when the address had an account."""
        lookup = model.email_lookup_value(model.normalise_email(email))
        await self.limits.check("register", client,
                                self.ports.vault.blind_index("rate-email", lookup)[:32])
        pid = model.new_participant_id()
        try:
            await self.run(RegisterParticipant(participant_id=pid, email=email,
                                               pseudonym=pseudonym, postcode=postcode),
                           actor_id=pid)
        except DomainError as refused:
            if refused.code != EMAIL_TAKEN.code:
                raise
            await self._send_account_exists(lookup)
            return None
        await self._send_link(pid, model.normalise_email(email),
                              model.normalise_pseudonym(pseudonym))
        return pid

    async def request_link(self, client: str, raw_email: str, then: str = "") -> None:
        """A magic link to this address if it has an account; nothing otherwise,
        with the same answer (no account enumeration). `then`: the local page
        the link leads to once confirmed (the front end checked it is one)."""
        email = model.normalise_email(raw_email)
        lookup = model.email_lookup_value(email)
        vault = self.ports.vault
        await self.limits.check("magic_link", client,
                                vault.blind_index("rate-email", lookup)[:32])
        pid = await vault.find("email", lookup)
        profile = await vault.profile(pid) if pid else None
        if pid and profile:
            await self._send_link(pid, email, str(profile["pseudonym"]), then)

    def check_link(self, token: str) -> None:
        """Signature and expiry only: opening a link changes nothing (mail scanners
        open links), the person confirms with `confirm_link`."""
        self.ports.links.check(token)

    async def confirm_link(self, client: str, token: str) -> SignedIn:
        """Uses the link (once) and signs its participant in at the e-mail level."""
        await self.limits.check("login", client)
        claims = await self.ports.links.consume(token)
        pid = claims.participant_id
        if await self.ports.vault.profile(pid) is None:  # erased since the link was sent
            raise ERASED()
        return await self.sign_in(pid, "email", "magic_link")

    async def _send_link(self, pid: str, email: str, pseudonym: str, then: str = "") -> None:
        s = self.ports.settings
        link = f"{s.public_url}{LINK_PATH}?jeton={await self.ports.links.issue(pid)}"
        if then:  # checked again where the link lands: never more than a path
            link += f"&suite={quote(then, safe='/')}"
        minutes = self.ports.links.minutes
        body = (f"Bonjour {pseudonym},\n\nPour vous connecter, ouvrez ce lien (valable "
                f"{minutes} minutes, une seule fois ; un lien demandé avant ne sert plus) :"
                f"\n{link}\n\nSi vous n'avez rien demandé, ignorez ce message.\n")
        await self.ports.mailer.send(Mail(person_id=pid, to=email,
                                          subject="Votre lien de connexion à Parlons",
                                          body=body))

    async def _send_account_exists(self, lookup: str) -> None:
        """To the account holding this address: someone asked to register it again;
        the way in is a magic link (the latest one sent is the one that works)."""
        vault = self.ports.vault
        pid = await vault.find("email", lookup)
        profile = await vault.profile(pid) if pid else None
        if not pid or not profile:  # erased meanwhile: nobody to write to
            return
        s = self.ports.settings
        link = f"{s.public_url}{LINK_PATH}?jeton={await self.ports.links.issue(pid)}"
        body = (f"Bonjour {profile['pseudonym']},\n\nQuelqu'un, vous sans doute, a demandé à "
                "s'inscrire sur Parlons avec cette adresse électronique. Un compte existe "
                "déjà avec cette adresse : aucun autre compte n'a été créé.\n\nPour vous "
                f"connecter, ouvrez ce lien (valable {self.ports.links.minutes} minutes, une "
                f"seule fois ; un lien demandé avant ne sert plus) :\n{link}\n\nSi vous "
                "n'avez rien demandé, ignorez ce message : votre compte reste inchangé.\n")
        await self.ports.mailer.send(Mail(person_id=pid, to=str(profile["email"]),
                                          subject="Vous avez déjà un compte sur Parlons",
                                          body=body))

    # -- anonymous sessions ------------------------------------------------------
    def anonymous_id(self, current: str | None = None) -> str:
        """An anonymous session's participant id: the one already open keeps its id
        (one participant across consultations), else a new one."""
        return current or model.new_participant_id()

    def challenge(self, consultation_id: str, wait_ticket: str = "") -> Challenge:
        """A challenge and a wait ticket bound to opening an anonymous session in
        this consultation. `wait_ticket`: the one a too-early visitor already
        holds (kept, so the wait already done counts)."""
        pow_, scope = self.ports.pow, anonymous_scope(consultation_id)
        return Challenge(pow_.challenge(scope), pow_.bits,
                         wait_ticket or pow_.wait_ticket(scope), pow_.wait_seconds)

    async def check_proof(self, consultation_id: str, client: str, *, wait_ticket: str,
                          challenge: str, nonce: str) -> None:
        """Either the browser's work or the no-JavaScript wait (single use, one
        per wait and client), made for this very consultation."""
        scope = anonymous_scope(consultation_id)
        if wait_ticket:
            await self.ports.pow.verify_wait(wait_ticket, scope, client)
        else:
            await self.ports.pow.verify(challenge, nonce, scope)

    # -- a participant's own data ------------------------------------------------
    async def profile(self, participant_id: str) -> dict[str, Any] | None:
        return await self.ports.vault.profile(participant_id)

    async def change_profile(self, participant_id: str, *, pseudonym: str,
                             postcode: str = "") -> tuple[str, ...]:
        """« Modifier mon profil », as themselves (ADR 0145): the vault's change
        where the request arrived (the values in clear never travel), then its
        record on their stream, routed to its writer (field names only). The
        fields changed; none: nothing written. The caller counts the attempt
        (the `profile` rate limit) before."""
        changed: tuple[str, ...] = await self.run(
            ChangeProfile(participant_id, pseudonym, postcode), actor_id=participant_id)
        if changed:
            await self.run(RecordProfileChange(participant_id, changed),
                           actor_id=participant_id)
            await self.settle()
        return changed

    async def export(self, participant_id: str) -> dict[str, Any]:
        """Everything Parlons holds about this participant (ADR 0012)."""
        return await export_participant(participant_id, vault=self.ports.vault,
                                        store=self.store, sources=self.ports.export_sources)

    async def territory(self, participant_id: str) -> str:
        """The département of a participant's postcode, "" when none: what
        questionnaire responses record for territory statistics (ADR 0025)."""
        profile = await self.ports.vault.profile(participant_id) or {}
        postcode = str(profile.get("postcode") or "")
        return departement_of_postcode(postcode) if postcode else ""

    async def erase(self, participant_id: str) -> None:
        """The participant asked: shred their personal data (crypto-shredding) and
        record the erasure, as themselves."""
        await self.run(EraseParticipant(participant_id), actor_id=participant_id)
        await self.settle()

    async def end_sessions(self, subject: str, *, actor_id: str, role: str) -> None:
        """Logout: every session `subject` holds ends server-side, a copied cookie
        included (ADR 0041); once the read model has it, nothing opens with them."""
        await self.run(RevokeSessions(subject), actor_id=actor_id, role=role)
        await self.settle()

    async def outbox(self) -> list[dict[str, str]] | None:
        """The local outbox's readable messages, in development only (None else)."""
        mailer = self.ports.mailer
        if not self.ports.settings.is_development or not isinstance(mailer, OutboxMailer):
            return None
        return await mailer.read()
