"""A person's questionnaire answers are theirs to see: the personal-data export
(/compte/donnees.json) gives each answer beside its question, and « Mes
contributions » names the questionnaire with its answers (before, an empty body
and no questionnaire)."""

from __future__ import annotations

from harness.questionnaires import hidden_fields, open_questionnaire
from harness.web import app_client, catch_up, make_container, make_deps

from services.consultation.content_commands import OptionSpec, QuestionSpec
from services.web.app import create_web_app

QUESTIONS = (
    QuestionSpec("transport", "multiple", "Comment venez-vous au travail ?",
                 options=(OptionSpec("velo", "À vélo"), OptionSpec("bus", "En bus")),
                 allow_other=True),
    QuestionSpec("ignoree", "open", "Une question laissée vide ?"),
    QuestionSpec("idees", "open", "Vos idées ?"),
)
FORM = "/consultations/climat/questionnaires/mobilite/repondre"


async def test_the_export_and_my_contributions_show_the_answers_in_words() -> None:
    container = make_container()
    async with container:
        await open_questionnaire(container, "mobilite", "Se déplacer", QUESTIONS)
        app = create_web_app(make_deps(container))
        async with app_client(app, "p-eve") as eve:
            page = (await eve.get(FORM)).text
            form = hidden_fields(page)
            sent = await eve.post(FORM, data={
                **form, "etape": "envoyer", "transport": ["velo", "autre"],
                "transport__autre": "À pied", "idees": "Des pistes le long du canal."})
            assert sent.status_code == 303
            await catch_up(container)
            data = (await eve.get("/compte/donnees.json")).json()
            mine = (await eve.get("/mes-contributions")).text
        [response] = data["contributions"]
        assert response["kind"] == "response" and response["questionnaire_title"] == "Se déplacer"
        assert response["answers"] == [
            {"question_id": "transport", "question": "Comment venez-vous au travail ?",
             "answer": "À vélo, Autre : À pied"},
            {"question_id": "idees", "question": "Vos idées ?",
             "answer": "Des pistes le long du canal."}]
        assert "Se déplacer" in mine and "2 réponses" in mine
        assert "Comment venez-vous au travail ?" in mine and "À vélo, Autre : À pied" in mine
        assert "Des pistes le long du canal." in mine
