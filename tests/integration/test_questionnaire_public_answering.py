"""A questionnaire's public page says where answering stands: a link to answer it
while its phase is open (it said « L'envoi des réponses ouvrira avec la phase
« Questionnaire » » then, with no way on), when answering opens while it has not
yet, that answers are closed once its phase is over."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from harness.consultations import ORGANISER, publish
from harness.questionnaires import open_questionnaire
from harness.web import app_client, catch_up, make_container, make_deps

from services.consultation.commands import PhaseSpec
from services.consultation.content_commands import OptionSpec, QuestionSpec, SaveQuestionnaire
from services.web.app import create_web_app

QUESTIONS = (QuestionSpec("touche", "single", "Êtes-vous touché ?",
                          options=(OptionSpec("oui", "Oui"), OptionSpec("non", "Non"))),)
ANSWER = "Répondre à ce questionnaire"
LATER = "L\u2019envoi des réponses ouvrira"
CLOSED = "Les réponses sont closes."


async def scheduled(container: object, cid: str, starts: timedelta, ends: timedelta) -> str:
    """`cid` (also its slug) with one questionnaire phase from now + `starts` to now
    + `ends`, and the questionnaire `q-<cid>`; returns the questionnaire's public page."""
    now = datetime.now(UTC)
    await publish(container, ORGANISER, cid, f"Consultation {cid}", cid,  # type: ignore[arg-type]
                  PhaseSpec("q", "questionnaire", "Répondre aux questionnaires",
                            now + starts, now + ends))
    await container.handle(SaveQuestionnaire(f"q-{cid}", cid, "Climat", QUESTIONS),  # type: ignore[attr-defined]
                           ORGANISER)
    return f"/consultations/{cid}/questionnaires/q-{cid}"


async def test_the_page_leads_to_the_answer_form_only_while_answering_is_open() -> None:
    container = make_container()
    async with container:
        form = await open_questionnaire(container, "transition", "Transition", QUESTIONS)
        later = await scheduled(container, "plus-tard", timedelta(days=3), timedelta(days=9))
        over = await scheduled(container, "fini", -timedelta(days=9), -timedelta(days=3))
        await catch_up(container)
        async with app_client(create_web_app(make_deps(container))) as visitor:
            open_page = (await visitor.get(form.removesuffix("/repondre"))).text
            stepped = (await visitor.get(form.removesuffix("/repondre"),
                                         params={"touche": "oui"})).text
            later_page = (await visitor.get(later)).text
            over_page = (await visitor.get(over)).text
    assert f'href="{form}">{ANSWER}</a>' in open_page
    assert LATER not in open_page and CLOSED not in open_page
    assert f'href="{form}">{ANSWER}</a>' in stepped  # at the end of the questions too
    assert ANSWER not in later_page and CLOSED not in later_page
    assert re.search(rf"{LATER} le \d+ \w+ \d{{4}} avec la phase", later_page)
    assert "avec la phase « Répondre aux questionnaires » de la consultation." in later_page
    assert CLOSED in over_page and ANSWER not in over_page and LATER not in over_page
