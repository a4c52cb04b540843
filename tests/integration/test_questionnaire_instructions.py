"""The questionnaire's instructions name the button the form shows: « Continuer »
while follow-ups may still appear, « Mettre à jour les questions affichées » once
the form is complete (they said « Continuer » under a button that did not)."""

from __future__ import annotations

import re

from harness.questionnaires import hidden_fields, open_questionnaire
from harness.web import app_client, make_container, make_deps

from services.consultation.content_commands import (
    ConditionSpec,
    OptionSpec,
    QuestionSpec,
)
from services.web.app import create_web_app

QUESTIONS = (
    QuestionSpec("touche", "single", "Êtes-vous touché ?",
                 options=(OptionSpec("oui", "Oui"), OptionSpec("non", "Non"))),
    QuestionSpec("comment", "open", "Si oui, comment ?",
                 condition=ConditionSpec("touche", ("oui",))),
)
PUBLIC = "/consultations/climat/questionnaires/transition"
FORM = PUBLIC + "/repondre"
BUTTONS = ("Continuer", "Mettre à jour les questions affichées")


def told_and_shown(page: str) -> tuple[str, list[str]]:
    told = re.search(r"utilisez « ([^»]+) » pour les afficher", page)
    assert told is not None, page
    shown = [b for b in BUTTONS if re.search(rf">{b}</button>", page)]
    return told.group(1), shown


async def test_the_instructions_name_the_button_shown() -> None:
    container = make_container()
    async with container:
        await open_questionnaire(container, "transition", "Transition", QUESTIONS)
        app = create_web_app(make_deps(container))
        async with app_client(app, "p-eve") as eve:
            first = (await eve.get(FORM)).text
            form = hidden_fields(first)
            step = (await eve.post(FORM, data={**form, "etape": "continuer",
                                               "touche": "oui"})).text
            public = [(await eve.get(PUBLIC)).text,
                      (await eve.get(PUBLIC, params={"touche": "oui"})).text]
        for page in (first, step, *public):
            told, shown = told_and_shown(page)
            assert shown == [told], (told, shown)
        assert told_and_shown(step)[0] == "Mettre à jour les questions affichées"
