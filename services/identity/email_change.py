"""A participant changes their e-mail address (ADR 0145 amended), confirmed by
the new address as a magic link confirms a sign-in: a signed, single-use link
valid 10 minutes at most (the latest one asked is the one that works) is sent
to the new address, a notice to the old one. The new address travels sealed
under the person's vault key inside the link (never in clear in a URL, a log
or an event; an erasure meanwhile makes it noise). Using the link swaps the
address in the vault, records `identity.ProfileChanged` (field `email`) and
ends every session of the account (sign in again with the new address).

No account enumeration: an address another account holds gets the same answer
as a free one; only that address's owner is told, by mail, and nothing moves.
An account with an OpenID Connect subject keeps the provider's address."""

from __future__ import annotations

import base64

from services.core.errors import DomainError
from services.identity import model
from services.identity.acting import Acting
from services.identity.commands import ChangeEmail, RecordProfileChange, RevokeSessions
from services.identity.handlers import NO_ACCOUNT
from services.identity.magiclink import MagicLinks
from services.identity.ports import Mail

PATH = "/compte/adresse"  # the front end's confirmation page, named in the e-mail
SEALED = "email-change"  # the vault purpose the address in a link is sealed for
ERASED = DomainError("erased_account", "Ce compte n'existe plus.", field="jeton")
SAME = DomainError("same_email", "C'est déjà l'adresse électronique de votre compte.",
                   field="email")
# The link errors, in the words of this link (codes as the sign-in link's).
WORDS = {
    "invalid_link": "Ce lien de changement d'adresse n'est pas valide. Demandez-en un "
                    "nouveau depuis « Modifier mon profil ».",
    "used_link": "Ce lien de changement d'adresse a déjà servi.",
    "replaced_link": "Ce lien de changement d'adresse a été remplacé par un plus récent : "
                     "utilisez le dernier lien reçu.",
}


def mask_email(email: str) -> str:
    """The address as the old one's notice names it: its first letter, the first
    letter of its domain and the domain's last label (`a***@n***.fr`): enough
    for the owner to recognise their own request (or not), too little to give a
    stranger reading the old mailbox the new address."""
    local, _, domain = email.partition("@")
    name, dot, tld = domain.rpartition(".")
    head = (name or tld)[:1]
    return f"{local[:1]}***@{head}***" + (f".{tld}" if dot else "")


class EmailChange:
    def __init__(self, acting: Acting) -> None:
        self._acting = acting
        ports = acting.ports
        self._links = MagicLinks(ports.settings.resolved_secret(), ledger=ports.ledger,
                                 clock=ports.clock, minutes=ports.settings.magic_link_minutes,
                                 purpose="email-change")

    async def allowed(self, participant_id: str) -> bool:
        """Whether this participant's address is theirs to change (not a provider's)."""
        return "oidc" not in await self._acting.ports.vault.lookup_purposes(participant_id)

    async def request(self, client: str, participant_id: str, raw_email: str) -> None:
        """The link to the new address and the notice to the old one; to an address
        another account holds, only a word to its owner. The same answer (None) in
        both cases. The caller counts the attempt (the `profile` rate limit); the
        address asked for spends the magic-link budget of that address (a mailbox
        gets no more mails from Parlons this way than by asking sign-in links)."""
        vault = self._acting.ports.vault
        profile = await vault.profile(participant_id)
        if profile is None:
            raise NO_ACCOUNT()
        if not await self.allowed(participant_id):
            label = self._acting.ports.settings.oidc_label
            raise DomainError("provider_email", "Votre adresse électronique est celle que "
                              f"{label} a transmise à votre connexion : elle se change "
                              f"auprès de {label}.", field="email")
        email = model.normalise_email(raw_email)
        lookup = model.email_lookup_value(email)
        if lookup == model.email_lookup_value(str(profile.get("email") or "")):
            raise SAME()
        await self._acting.limits.check("magic_link", client,
                                        vault.blind_index("rate-email", lookup)[:32])
        owner = await vault.find("email", lookup)
        if owner is not None and owner != participant_id:
            await self._tell_taken(owner)
        else:
            sealed = await vault.seal_for(participant_id, email.encode(), purpose=SEALED)
            if sealed is None:  # erased meanwhile
                raise NO_ACCOUNT()
            token = await self._links.issue(participant_id,
                                            base64.urlsafe_b64encode(sealed).decode())
            await self._send_link(participant_id, email, token)
        await self._notify_old(participant_id, profile, email)

    def check(self, token: str) -> None:
        """Signature and expiry only: opening the link changes nothing (mail
        scanners open links); the person confirms with `confirm`."""
        try:
            self._links.check(token)
        except DomainError as refused:
            raise _reworded(refused) from None

    async def confirm(self, client: str, token: str) -> None:
        """Uses the link (once): the address it carries becomes the participant's."""
        acting = self._acting
        await acting.limits.check("login", client)
        try:
            claims = await self._links.consume(token)
        except DomainError as refused:
            raise _reworded(refused) from None
        try:
            sealed = base64.urlsafe_b64decode(claims.extra)
        except ValueError:
            raise _reworded(DomainError("invalid_link", "", field="jeton")) from None
        raw = await acting.ports.vault.open_for(claims.participant_id, sealed, purpose=SEALED)
        if raw is None:  # erased since the link was sent: its address is noise
            raise ERASED()
        pid = claims.participant_id
        try:
            changed = await acting.run(ChangeEmail(pid, raw.decode()), actor_id=pid)
        except DomainError as refused:
            if refused.code == NO_ACCOUNT.code:
                raise ERASED() from None
            raise
        if changed:
            await acting.run(RecordProfileChange(pid, changed), actor_id=pid)
            # every session ends, this browser's too: one opened through the old
            # mailbox (someone else's now, or read by someone else) keeps nothing;
            # the person signs in again with the new address, which proves it works
            await acting.run(RevokeSessions(pid), actor_id=pid)
            await acting.settle()

    async def _send_link(self, pid: str, email: str, token: str) -> None:
        """Nobody is named: a mistyped address is a stranger's mailbox, and a
        pseudonym is shown to consultation teams only."""
        ports = self._acting.ports
        link = f"{ports.settings.public_url}{PATH}?jeton={token}"
        body = ("Bonjour,\n\nVous avez demandé que cette adresse devienne celle "
                "de votre compte Parlons. Pour le confirmer, ouvrez ce lien (valable "
                f"{self._links.minutes} minutes, une seule fois ; un lien demandé avant ne "
                f"sert plus) :\n{link}\n\nSi vous n'avez rien demandé, ignorez ce message : "
                "aucun compte ne sera lié à cette adresse.\n")
        await ports.mailer.send(Mail(person_id=pid, to=email,
                                     subject="Confirmez votre nouvelle adresse sur Parlons",
                                     body=body))

    async def _notify_old(self, pid: str, profile: dict[str, object], email: str) -> None:
        body = (f"Bonjour {profile['pseudonym']},\n\nUn changement de l'adresse électronique "
                f"de votre compte Parlons a été demandé, vers {mask_email(email)}. Il ne "
                "prendra effet que si le lien envoyé à cette adresse est ouvert et "
                f"confirmé (dans les {self._links.minutes} minutes).\n\nSi vous n'avez rien "
                "demandé, connectez-vous puis déconnectez-vous (« Se déconnecter » ferme "
                "toutes vos sessions) et prévenez l'équipe de Parlons.\n")
        await self._acting.ports.mailer.send(Mail(
            person_id=pid, to=str(profile["email"]),
            subject="Changement d'adresse demandé sur votre compte Parlons", body=body))

    async def _tell_taken(self, owner: str) -> None:
        """To the account holding this address (as it registered it): someone asked
        to move another account to it; nothing moved, and they are not named."""
        profile = await self._acting.ports.vault.profile(owner)
        if profile is None:
            return  # erased meanwhile: nobody to write to
        body = ("Bonjour,\n\nQuelqu'un a demandé que cette adresse électronique devienne "
                "celle d'un compte Parlons. Un compte existe déjà avec cette adresse : "
                "rien n'a été modifié, ni votre compte ni l'autre.\n\nSi vous n'avez rien "
                "demandé, ignorez ce message.\n")
        await self._acting.ports.mailer.send(Mail(
            person_id=owner, to=str(profile["email"]),
            subject="Vous avez déjà un compte sur Parlons", body=body))


def _reworded(refused: DomainError) -> DomainError:
    words = WORDS.get(refused.code)
    if refused.code == "expired_link":
        words = refused.message.replace("lien de connexion", "lien de changement d'adresse")
    return DomainError(refused.code, words, field="jeton") if words else refused

