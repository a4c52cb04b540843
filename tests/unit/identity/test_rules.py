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
from services.identity.pow import ProofOfWork, solve, solves
from services.identity.ratelimit import (
    Budget,
    Limits,
    MemoryRateLimiter,
    Rate,
    RateLimited,
    client_key,
    enforce,
    parse_rates,
)
from services.identity.ratelimit import rates as rates_of
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
    challenge = pow_.challenge("anonymous:c1")
    nonce = solve(challenge, 8)
    await pow_.verify(challenge, nonce, "anonymous:c1")
    with pytest.raises(DomainError):
        await pow_.verify(challenge, nonce, "anonymous:c1")  # replay
    fresh = pow_.challenge("anonymous:c1")
    # A fixed guess solves an 8-bit challenge once in 256: pick one that does not.
    wrong = next(n for n in (f"guess-{i}" for i in range(1000)) if not solves(fresh, n, 8))
    with pytest.raises(DomainError):
        await pow_.verify(fresh, wrong, "anonymous:c1")


async def test_a_proof_of_work_opens_only_the_scope_it_was_made_for() -> None:
    pow_ = ProofOfWork("s", ledger=MemoryTokenLedger(), clock=FixedClock(T0), bits=8,
                       ttl_seconds=60)
    challenge = pow_.challenge("anonymous:c1")
    with pytest.raises(DomainError):
        await pow_.verify(challenge, solve(challenge, 8), "anonymous:c2")
    await pow_.verify(challenge, solve(challenge, 8), "anonymous:c1")  # not spent by the miss


async def test_wait_tickets_are_redeemed_one_wait_apart_per_client() -> None:
    """Forty tickets fetched at once used to ripen together after one wait and
    open forty sessions."""
    clock = FixedClock(T0)
    pow_ = ProofOfWork("s", ledger=MemoryTokenLedger(), clock=clock, bits=8, ttl_seconds=600,
                       wait_seconds=30, limiter=MemoryRateLimiter())
    tickets = [pow_.wait_ticket("anonymous:c1") for _ in range(40)]
    other = pow_.wait_ticket("anonymous:c1")
    clock.advance(timedelta(seconds=31))
    await pow_.verify_wait(tickets[0], "anonymous:c1", "c:bot")
    for ticket in tickets[1:]:
        with pytest.raises(RateLimited) as later:
            await pow_.verify_wait(ticket, "anonymous:c1", "c:bot")
        assert 1 <= later.value.retry_after <= 30
    with pytest.raises(DomainError) as elsewhere:  # bound to its consultation
        await pow_.verify_wait(other, "anonymous:c2", "c:someone-else")
    assert elsewhere.value.code == "pow_failed"
    await pow_.verify_wait(other, "anonymous:c1", "c:someone-else")  # another client
    clock.advance(timedelta(seconds=30))
    with pytest.raises(DomainError):  # single use
        await pow_.verify_wait(tickets[0], "anonymous:c1", "c:bot")
    clock.advance(timedelta(seconds=30))
    await pow_.verify_wait(tickets[1], "anonymous:c1", "c:bot")


async def test_rate_limit_refuses_with_retry_after() -> None:
    limiter = MemoryRateLimiter()
    budget = [Budget("k", 3, 60)]
    for _ in range(3):
        await enforce(limiter, budget, now=100.0)
    with pytest.raises(RateLimited) as err:
        await enforce(limiter, budget, now=100.0)
    assert 1 <= err.value.retry_after <= 60
    await enforce(limiter, budget, now=161.0)


async def test_a_refused_request_counts_under_no_key() -> None:
    limiter = MemoryRateLimiter()
    for _ in range(3):
        await enforce(limiter, [Budget("a", 3, 60)], now=0.0)
    with pytest.raises(RateLimited):
        await enforce(limiter, [Budget("b", 3, 60), Budget("a", 3, 60)], now=0.0)
    for _ in range(3):  # b was not spent by the refusal
        await enforce(limiter, [Budget("b", 3, 60)], now=0.0)


async def test_a_flood_of_distinct_clients_stays_bounded_and_resets_no_one() -> None:
    limiter = MemoryRateLimiter(max_keys=100)
    now = 0.0
    for n in range(1000):  # all within one window: none is idle
        now += 0.01
        await enforce(limiter, [Budget(f"flood-{n}", 3, 60)], now=now)
        if n < 3 or n % 50 == 0:  # a persistent client keeps hitting meanwhile
            verdict = await limiter.hit([Budget("persistent", 3, 60)], now=now)
            assert verdict.allowed == (n < 3)
        assert len(limiter) <= 100
    with pytest.raises(RateLimited):
        await enforce(limiter, [Budget("persistent", 3, 60)], now=now)


async def test_each_action_counts_on_its_own_budget() -> None:
    """Ten votes from an address used to spend its logins for an hour."""
    settings = IdentitySettings(identity_secret="s", rate_login_per_hour=10,
                                rate_action_per_minute=30)
    limits = Limits(MemoryRateLimiter(), settings)
    for _ in range(30):
        await limits.check("vote", "c:town-hall", "p-1")
    with pytest.raises(RateLimited):
        await limits.check("vote", "c:town-hall", "p-1")
    await limits.check("login", "c:town-hall")
    await limits.check("magic_link", "c:town-hall", "e-1")
    await limits.check("comment", "c:town-hall", "p-1")
    await limits.check("vote", "c:town-hall", "p-2")  # the address has room for others


def test_rates_per_action_from_the_settings_and_overrides() -> None:
    rates = rates_of(IdentitySettings(identity_secret="s", rate_login_per_hour=10,
                                      rate_action_per_minute=30, rate_client_factor=5,
                                      rate_limits="comment=4/60, vote.client=999/10"))
    assert rates["login"] == Rate(10, 3600) and rates["login.client"] == Rate(50, 3600)
    assert rates["comment"] == Rate(4, 60) and rates["comment.client"] == Rate(150, 60)
    assert rates["vote.client"] == Rate(999, 10)
    # a new anonymous session: per address only, 10 an hour, its own setting (ADR 0133)
    assert rates["anonymous.client"] == Rate(10, 3600)
    assert rates_of(IdentitySettings(identity_secret="s", rate_anonymous_per_hour=4))[
        "anonymous.client"] == Rate(4, 3600)
    assert parse_rates("anonymous.client=30/3600") == {"anonymous.client": Rate(30, 3600)}
    with pytest.raises(ValueError, match="RATE_LIMITS"):
        parse_rates("dance=3/60")


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
