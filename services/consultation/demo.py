"""Demo data: two realistic consultations, created through the command handlers
like any other content (so they are in the log and every projection).

- "Grand débat national : l'édition de la Métropole" (Grand Débat style): the 4
  themes and their questionnaires from the official import, articles and news, and
  meetings in real communes, the past ones with minutes.
- "Mieux circuler à vélo" (proposal based) with five phases: deposit of irritants,
  vote on irritants (agree / disagree / neutral with qualifications, supports),
  deposit of solutions, vote on solutions (ranking, supports; open now), synthesis;
  each vote phase puts to the vote only its deposit phase's items (ADR 0062); plus
  a commission with members and a report.
Dates are relative to the clock, so some phases are open now. Idempotent: every
step checks its own stream first, so seeding twice creates nothing new.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from services.consultation import commission_handlers as kh
from services.consultation import content_handlers as ch
from services.consultation import handlers as h
from services.consultation import meeting_handlers as mh
from services.consultation import meetings as m
from services.consultation.commands import (
    CreateConsultation,
    PhaseSpec,
    PublishConsultation,
    SchedulePhases,
    VoteMethodSpec,
)
from services.consultation.commissions import commission_stream
from services.consultation.content import stream
from services.consultation.content_commands import (
    AddCommissionMember,
    CreateCommission,
    PublishArticle,
    PublishCommissionReport,
    PublishMinutes,
    ScheduleMeeting,
    WriteArticle,
)
from services.consultation.demo_texts import ARTICLES, BIKE_ARTICLES, MEETINGS, REPORT
from services.consultation.granddebat import import_granddebat
from services.consultation.model import stream_of
from services.core.clock import Clock
from services.core.envelope import Actor
from services.core.events import Meta
from services.eventlog.port import EventLog

GRAND_DEBAT_ID = "01930000-0000-7000-8000-0000000000d1"
BIKE_ID = "01930000-0000-7000-8000-0000000000d2"
BUDGET_ID = "01930000-0000-7000-8000-0000000000d3"
DAY = timedelta(days=1)
# The bike's method card: irritants voted agree / disagree / neutral with three
# qualifications (and supported), solutions ranked (and supported), meanwhile the
# commission's workshop takes registrations (a phase's action, ADR 0139).
IRRITANTS_VOTE = (("vote_agree", "vote_support"), VoteMethodSpec(
    sources=("irritants",), support_threshold=20,
    qualifications=("prioritaire", "realiste", "a_preciser")))
SOLUTIONS_VOTE = (("vote_ranking", "vote_support", "register_meeting"), VoteMethodSpec(
    sources=("solutions",), support_threshold=10, qualifications=(), ranking_max=3))


async def seed_demo(*, log: EventLog, clock: Clock, meta: Meta | None = None) -> int:
    """Seed the demo consultations; returns how many steps wrote something."""
    meta = meta or Meta(actor=Actor.system())
    today = clock.now().replace(hour=8, minute=0, second=0, microsecond=0)
    done = await _grand_debat(log, clock, meta, today)
    done += await _budget(log, clock, meta, today)
    return done + await _bike(log, clock, meta, today)


async def _consultation(log: EventLog, clock: Clock, meta: Meta, cmd: CreateConsultation,
                        phases: tuple[PhaseSpec, ...]) -> int:
    ports = {"log": log, "clock": clock, "meta": meta}
    done = 0
    if not await log.stream_version(stream_of(cmd.consultation_id)):
        await h.create_consultation(cmd, **ports)  # type: ignore[arg-type]
        done += 1
    state = await h.load_consultation(log, cmd.consultation_id)
    if not state.phases:
        await h.schedule_phases(SchedulePhases(cmd.consultation_id, phases), **ports)  # type: ignore[arg-type]
        done += 1
    if not state.published:
        await h.publish_consultation(PublishConsultation(cmd.consultation_id), **ports)  # type: ignore[arg-type]
        done += 1
    return done


async def _articles(log: EventLog, clock: Clock, meta: Meta, cid: str,
                    articles: list[tuple[str, str, str, str]]) -> int:
    done = 0
    for i, (kind, title, summary, body) in enumerate(articles):
        aid = f"{cid}-a{i + 1}"
        if await log.stream_version(stream("article", aid)):
            continue
        await ch.write_article(WriteArticle(aid, cid, title, body, kind=kind, summary=summary),
                               log=log, clock=clock, meta=meta)
        await ch.publish_article(PublishArticle(aid, cid), log=log, clock=clock, meta=meta)
        done += 1
    return done


async def _grand_debat(log: EventLog, clock: Clock, meta: Meta, today: datetime) -> int:
    cid = GRAND_DEBAT_ID
    gd = import_granddebat(cid)
    done = await _consultation(log, clock, meta, CreateConsultation(
        cid, "Grand débat national : l'édition de la Métropole", "grand-debat-metropole",
        summary="Fiscalité, transition écologique, démocratie, services publics : répondez "
                "aux questionnaires du Grand Débat et venez débattre près de chez vous.",
        organiser="Métropole de Lyon", identity_level="email", moderation="post",
        themes=gd.themes, territories=("FR",)), (
        PhaseSpec("information", "information", "Découvrir les enjeux", today - 30 * DAY,
                  today - 21 * DAY),
        PhaseSpec("questionnaires", "questionnaire", "Répondre aux questionnaires",
                  today - 21 * DAY, today + 21 * DAY,
                  actions=("answer", "register_meeting")),
        PhaseSpec("synthese", "synthesis", "Synthèse des contributions", today + 21 * DAY,
                  today + 45 * DAY)))
    for qn in gd.questionnaires:
        if not await log.stream_version(stream("questionnaire", qn.questionnaire_id)):
            await ch.save_questionnaire(qn, log=log, clock=clock, meta=meta)
            done += 1
    done += await _articles(log, clock, meta, cid, ARTICLES)
    for i, (title, days, address, postcode, lat, lon, minutes) in enumerate(MEETINGS):
        mid = f"{cid}-m{i + 1}"
        start = today + timedelta(days=days, hours=10)
        if not await log.stream_version(m.meeting_stream(mid)):
            await mh.schedule_meeting(ScheduleMeeting(
                mid, cid, title, start, start + timedelta(hours=2),
                description="Réunion ouverte à toutes et à tous, sans inscription obligatoire.",
                address=address, postcode=postcode, latitude=lat, longitude=lon,
                capacity=120), log=log, clock=clock, meta=meta)
            done += 1
        if minutes and await log.stream_version(m.meeting_stream(mid)) == 1:
            summary, attendance = minutes
            await mh.publish_minutes(PublishMinutes(mid, cid, summary, attendance), log=log,
                                     clock=clock, meta=meta)
            done += 1
    return done


async def _bike(log: EventLog, clock: Clock, meta: Meta, today: datetime) -> int:
    cid = BIKE_ID

    def phase(pid: str, kind: str, title: str, start: int, end: int,
              method: tuple[tuple[str, ...], VoteMethodSpec] | None = None) -> PhaseSpec:
        actions, vote = method or (None, None)
        return PhaseSpec(pid, kind, title, today + start * DAY, today + end * DAY,
                         actions=actions, vote=vote)

    done = await _consultation(log, clock, meta, CreateConsultation(
        cid, "Mieux circuler à vélo dans la métropole", "mieux-circuler-a-velo",
        summary="Dites-nous ce qui vous gêne à vélo, votez pour les irritants prioritaires, "
                "puis proposez et choisissez les solutions.",
        organiser="Métropole de Lyon, direction des mobilités", identity_level="anonymous",
        moderation="pre", territories=("69",)), (
        phase("irritants", "deposit", "Dépôt des irritants", -40, -26),
        phase("vote-irritants", "vote", "Vote sur les irritants", -26, -16, IRRITANTS_VOTE),
        phase("solutions", "deposit", "Dépôt des solutions", -16, -2),
        phase("vote-solutions", "vote", "Vote sur les solutions", -2, 12, SOLUTIONS_VOTE),
        phase("synthese", "synthesis", "Synthèse et réponses", 12, 40)))
    done += await _articles(log, clock, meta, cid, BIKE_ARTICLES)
    kid = f"{cid}-k1"
    ports = {"log": log, "clock": clock, "meta": meta}
    if not await log.stream_version(commission_stream(kid)):
        await kh.create_commission(CreateCommission(
            kid, cid, "Commission vélo et sécurité",
            "Élus, associations d'usagers et services techniques suivent la consultation."),
            **ports)  # type: ignore[arg-type]
        for j, (name, role) in enumerate((("Claire Martin", "Présidente, vice-présidente "
                                           "aux mobilités"),
                                          ("Karim Benali", "Association des cyclistes urbains"),
                                          ("Sophie Leroy", "Ingénieure voirie"))):
            await kh.add_commission_member(AddCommissionMember(kid, cid, f"{kid}-{j + 1}",
                                                               name, role), **ports)  # type: ignore[arg-type]
        await kh.publish_commission_report(PublishCommissionReport(
            kid, cid, f"{kid}-r1", "Rapport sur les irritants", REPORT), **ports)  # type: ignore[arg-type]
        done += 1
    mid = f"{cid}-m1"
    if not await log.stream_version(m.meeting_stream(mid)):
        start = today + timedelta(days=3, hours=10)
        await mh.schedule_meeting(ScheduleMeeting(
            mid, cid, "Atelier solutions : les carrefours dangereux", start,
            start + timedelta(hours=2), description="Atelier de la commission vélo.",
            address="20 rue du Lac", postcode="69003", latitude=45.7597, longitude=4.8553,
            capacity=40, online_url="https://visio.example.fr/atelier-velo",
            commission_id=kid), **ports)  # type: ignore[arg-type]
        done += 1
    return done


async def _budget(log: EventLog, clock: Clock, meta: Meta, today: datetime) -> int:
    """A small participatory budget (ADR 0067): projects deposited, then voted
    within an envelope per territory (envelopes, costs and ballots are the vote
    service's: services/runtime/demo_budget.py), then their implementation."""
    return await _consultation(log, clock, meta, CreateConsultation(
        BUDGET_ID, "Budget participatif des pentes de la Croix-Rousse",
        "budget-participatif-croix-rousse",
        summary="Proposez des projets pour votre quartier, puis choisissez ceux à réaliser "
                "dans l'enveloppe de votre arrondissement.",
        organiser="Ville de Lyon, mairies des 1er et 4e arrondissements",
        identity_level="anonymous", moderation="post", territories=("69",)), (
        PhaseSpec("projets", "deposit", "Dépôt des projets", today - 35 * DAY,
                  today - 12 * DAY),
        PhaseSpec("vote-budget", "vote", "Vote du budget", today - 4 * DAY, today + 10 * DAY,
                  actions=("vote_budget",), vote=VoteMethodSpec(sources=("projets",))),
        PhaseSpec("realisation", "follow_up", "Réalisation des projets", today + 10 * DAY,
                  today + 365 * DAY)))
