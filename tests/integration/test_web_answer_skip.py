"""A participant may skip an optional question that has a follow-up: after one
« Continuer », sending is offered (before, a skipped parent kept the form from
ever offering « Envoyer mes réponses »)."""

from __future__ import annotations

from harness.questionnaires import hidden_fields, open_questionnaire
from harness.web import app_client, catch_up, make_container, make_deps

from services.consultation.content_commands import (
    ConditionSpec,
    OptionSpec,
    QuestionSpec,
)
from services.deposit.projections import BY_AUTHOR
from services.web.app import create_web_app

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
        await open_questionnaire(container, "transition", "Transition", QUESTIONS)
        app = create_web_app(make_deps(container))
        async with app_client(app, "p-eve") as eve:
            first = (await eve.get(FORM)).text
            assert "Envoyer mes réponses" not in first
            form = hidden_fields(first)
            step = await eve.post(FORM, data={**form, "etape": "continuer", "idees": "Planter"})
            assert "Envoyer mes réponses" in step.text and "Si oui, comment" not in step.text
            sent = await eve.post(FORM, data={**form, "etape": "envoyer", "idees": "Planter"})
            assert sent.status_code == 303
        await catch_up(container)
        assert await container.store.count(BY_AUTHOR, "p-eve") == 1
