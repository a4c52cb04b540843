"""A participant may skip an optional question that has a follow-up: after one
« Continuer », sending is offered (before, a skipped parent kept the form from
ever offering « Envoyer mes réponses »)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import httpx
from web_harness import catch_up, make_container, make_deps

from services.consultation.commands import (
    CreateConsultation,
    PhaseSpec,
    PublishConsultation,
    SchedulePhases,
)
from services.consultation.content_commands import (
    ConditionSpec,
    OptionSpec,
    QuestionSpec,
    SaveQuestionnaire,
)
from services.core.envelope import Actor
from services.core.events import Meta
from services.deposit.projections import BY_AUTHOR
from services.web.app import create_web_app

ORGANISER = Meta(Actor("p-organiser", "organiser"))
QUESTIONS = (
    QuestionSpec("touche", "single", "Êtes-vous touché ?",
                 options=(OptionSpec("oui", "Oui"), OptionSpec("non", "Non"))),
    QuestionSpec("comment", "open", "Si oui, comment ?",
                 condition=ConditionSpec("touche", ("oui",))),
    QuestionSpec("idees", "open", "Vos idées ?"),
)
FORM = "/consultations/climat/questionnaires/transition/repondre"


async def test_skipping_an_optional_parent_still_lets_the_participant_send() -> None:
    container = make_container()
    async with container:
        now = datetime.now(UTC)
        for cmd in (CreateConsultation("climat", "Climat", "climat"),
                    SchedulePhases("climat", (PhaseSpec("q", "questionnaire", "Questionnaire",
                                                        now - timedelta(hours=1),
                                                        now + timedelta(days=1)),)),
                    PublishConsultation("climat"),
                    SaveQuestionnaire("transition", "climat", "Transition", QUESTIONS)):
            await container.handle(cmd, ORGANISER)
        await catch_up(container)
        app = create_web_app(make_deps(container))
        web = app.state.parlons_web
        cookies = {web.sessions.cookie: web.sessions.issue("p-eve", kind="participant",
                                                           level="email")}
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url="http://testserver", cookies=cookies) as eve:
            first = (await eve.get(FORM)).text
            assert "Envoyer mes réponses" not in first
            form = {n: re.search(rf'name="{n}" value="([^"]*)"', first).group(1)  # type: ignore[union-attr]
                    for n in ("csrf_token", "cle")}
            step = await eve.post(FORM, data={**form, "etape": "continuer", "idees": "Planter"})
            assert "Envoyer mes réponses" in step.text and "Si oui, comment" not in step.text
            sent = await eve.post(FORM, data={**form, "etape": "envoyer", "idees": "Planter"})
            assert sent.status_code == 303
        await catch_up(container)
        assert await container.store.count(BY_AUTHOR, "p-eve") == 1
