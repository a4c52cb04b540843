"""Validation (French messages), magic links, proof of work, rate limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from services.core.clock import FixedClock
from services.core.errors import DomainError
from services.identity import model
from services.identity.lexicon import is_offensive
from services.identity.magiclink import MagicLinks
from services.identity.memory import MemoryTokenLedger
from services.identity.pow import ProofOfWork, solve
from services.identity.ratelimit import Limits, MemoryRateLimiter, RateLimited, client_key, enforce
from services.identity.settings import IdentitySettings

T0 = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("raw", ["", "jean", "jean@", "@exemple.fr", "jean dupont@exemple.fr",
                                 "jean@exemple", "a" * 250 + "@exemple.fr"])
def test_malformed_email_is_refused_in_french(raw: str) -> None:
    with pytest.raises(DomainError) as err:
        model.normalise_email(raw)
    assert err.value.field == "email" and "adresse électronique" in err.value.message


def test_email_domain_is_lowercased() -> None:
    assert model.normalise_email(" Jean.Dupont@Exemple.FR ") == "Jean.Dupont@exemple.fr"


@pytest.mark.parametrize("pseudonym", ["Connard", "gros_c0nnard", "pd-69", "Enculé", "ADMIN"])
def test_offensive_pseudonyms_are_refused(pseudonym: str) -> None:
    with pytest.raises(DomainError) as err:
        model.normalise_pseudonym(pseudonym)
    assert err.value.code == "offensive_pseudonym" and "pas accepté" in err.value.message


@pytest.mark.parametrize("pseudonym", ["Aline", "Jean-Pierre du 69", "Pdupont", "Élodie B.",
                                       "Dominique"])
def test_ordinary_pseudonyms_pass(pseudonym: str) -> None:
    assert not is_offensive(pseudonym)
    model.normalise_pseudonym(pseudonym)


@pytest.mark.parametrize("pseudonym", ["ab", "x" * 31, "<script>", "  "])
def test_malformed_pseudonym_is_refused(pseudonym: str) -> None:
    with pytest.raises(DomainError) as err:
        model.normalise_pseudonym(pseudonym)
    assert err.value.code == "invalid_pseudonym"


def test_pseudonym_lookup_ignores_case_accents_and_spaces() -> None:
    assert model.pseudonym_lookup_value("Élodie  B") == model.pseudonym_lookup_value("elodie b")


def test_unknown_postcode_is_refused() -> None:
    with pytest.raises(DomainError) as err:
        model.check_postcode("99999")
    assert err.value.code == "unknown_postcode" and "inconnu" in err.value.message
    assert model.check_postcode("69001") == "69001"
    assert model.check_postcode("") == ""


def links(clock: FixedClock) -> MagicLinks:
    return MagicLinks("secret", ledger=MemoryTokenLedger(), clock=clock)


async def test_magic_link_works_once() -> None:
    ml = links(FixedClock(T0))
    token = await ml.issue("p-1")
    assert (await ml.consume(token)).participant_id == "p-1"
    with pytest.raises(DomainError) as err:
        await ml.consume(token)
    assert err.value.code == "used_link" and "déjà servi" in err.value.message


async def test_magic_link_expires_after_10_minutes() -> None:
    clock = FixedClock(T0)
    ml = links(clock)
    token = await ml.issue("p-1")
    clock.advance(timedelta(minutes=10, seconds=1))
    with pytest.raises(DomainError) as err:
        await ml.consume(token)
    assert err.value.code == "expired_link" and "10 minutes" in err.value.message


async def test_magic_links_never_live_more_than_10_minutes() -> None:
    clock = FixedClock(T0)
    ml = MagicLinks("secret", ledger=MemoryTokenLedger(), clock=clock, minutes=15)
    token = await ml.issue("p-1")
    clock.advance(timedelta(minutes=10, seconds=1))
    with pytest.raises(DomainError):
        await ml.consume(token)


async def test_a_new_link_revokes_the_previous_one() -> None:
    ml = links(FixedClock(T0))
    older = await ml.issue("p-1")
    newer = await ml.issue("p-1")
    other = await ml.issue("p-2")  # somebody else's link changes nothing of p-1's
    with pytest.raises(DomainError) as err:
        await ml.consume(older)
    assert err.value.code == "replaced_link" and "plus récent" in err.value.message
    assert (await ml.consume(newer)).participant_id == "p-1"
    assert (await ml.consume(other)).participant_id == "p-2"


@pytest.mark.parametrize("forge", [lambda t: t[:-2] + "xx", lambda t: "x" + t, lambda t: "",
                                   lambda t: t.split(".")[0]])
async def test_forged_magic_link_is_refused(forge: object) -> None:
    ml = links(FixedClock(T0))
    token = await ml.issue("p-1")
    with pytest.raises(DomainError) as err:
        await ml.consume(forge(token))  # type: ignore[operator]
    assert err.value.code == "invalid_link"


async def test_a_link_signed_with_another_secret_is_refused() -> None:
    other = MagicLinks("other", ledger=MemoryTokenLedger(), clock=FixedClock(T0))
    with pytest.raises(DomainError):
        await links(FixedClock(T0)).consume(await other.issue("p-1"))


async def test_proof_of_work_round_trip_and_single_use() -> None:
    pow_ = ProofOfWork("s", ledger=MemoryTokenLedger(), clock=FixedClock(T0), bits=8,
                       ttl_seconds=60)
    challenge = pow_.challenge()
    nonce = solve(challenge, 8)
    await pow_.verify(challenge, nonce)
    with pytest.raises(DomainError):
        await pow_.verify(challenge, nonce)  # replay
    with pytest.raises(DomainError):
        await pow_.verify(pow_.challenge(), "not-a-solution-probably")


async def test_rate_limit_refuses_with_retry_after() -> None:
    now = [100.0]
    limiter = MemoryRateLimiter(now=lambda: now[0])
    for _ in range(3):
        await enforce(limiter, ["k"], limit=3, window=60)
    with pytest.raises(RateLimited) as err:
        await enforce(limiter, ["k"], limit=3, window=60)
    assert 1 <= err.value.retry_after <= 60
    now[0] += 61
    await enforce(limiter, ["k"], limit=3, window=60)


async def test_a_flood_of_distinct_clients_stays_bounded_and_resets_no_one() -> None:
    now = [0.0]
    limiter = MemoryRateLimiter(now=lambda: now[0], max_keys=100)
    for n in range(1000):  # all within one window: none is idle
        now[0] += 0.01
        await enforce(limiter, [f"flood-{n}"], limit=3, window=60)
        if n < 3 or n % 50 == 0:  # a persistent client keeps hitting meanwhile
            verdict = await limiter.hit("persistent", limit=3, window=60)
            assert verdict.allowed == (n < 3)
        assert len(limiter._hits) <= 100
    with pytest.raises(RateLimited):
        await enforce(limiter, ["persistent"], limit=3, window=60)


def test_client_key_never_contains_the_ip_and_rotates() -> None:
    a = client_key("s", "203.0.113.7", hours=24, now=0)
    assert "203.0.113.7" not in a
    assert a == client_key("s", "203.0.113.7", hours=24, now=3600)
    assert a != client_key("s", "203.0.113.7", hours=24, now=86400)


def test_the_limits_name_a_client_as_client_key_does() -> None:
    settings = IdentitySettings(identity_secret="s", client_hash_hours=24)
    limits = Limits(MemoryRateLimiter(), settings)
    for now in (0, 3600, 86400, 86400 * 3 + 5):
        assert limits.client("203.0.113.7", now=now) == client_key(
            settings.resolved_secret(), "203.0.113.7", hours=24, now=now)
