"""The questionnaire form: « Envoyer mes réponses » with no answer is refused on
the form (it would use up the person's only response); once answered, the same
form sent again keeps its confirmation, other answers are told they were given."""

from __future__ import annotations

from harness.questionnaires import hidden_fields, open_questionnaire
from harness.web import app_client, catch_up, make_container, make_deps

from services.consultation.content_commands import OptionSpec, QuestionSpec
from services.deposit.projections import BY_AUTHOR
from services.web.app import create_web_app

QUESTIONS = (
    QuestionSpec("touche", "single", "Êtes-vous touché ?",
                 options=(OptionSpec("oui", "Oui"), OptionSpec("non", "Non"))),
    QuestionSpec("idees", "open", "Vos idées ?"),
)
FORM = "/consultations/climat/questionnaires/transition/repondre"


async def test_an_empty_send_is_refused_and_a_changed_resend_is_told_already_answered() -> None:
    container = make_container()
    async with container:
        await open_questionnaire(container, "transition", "Transition", QUESTIONS)
        app = create_web_app(make_deps(container))
        async with app_client(app, "p-eve") as eve:
            first = (await eve.get(FORM)).text
            form = hidden_fields(first)
            empty = await eve.post(FORM, data={**form, "etape": "envoyer", "idees": "  "})
            assert empty.status_code == 400
            assert "répondu à aucune question" in empty.text
            sent = await eve.post(FORM, data={**form, "etape": "envoyer", "touche": "oui"})
            assert sent.status_code == 303
            again = await eve.post(FORM, data={**form, "etape": "envoyer", "touche": "oui"})
            assert again.status_code == 303  # the very same form: its confirmation stands
            changed = await eve.post(FORM, data={**form, "etape": "envoyer", "touche": "non",
                                                 "idees": "Planter des arbres"})
            assert changed.status_code == 400
            assert "déjà répondu à ce questionnaire" in changed.text
        await catch_up(container)
        assert await container.store.count(BY_AUTHOR, "p-eve") == 1
