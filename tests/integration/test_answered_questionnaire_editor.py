"""The back office's questionnaire editor on a questionnaire that has answers
(ADR 0137): deleting a question, changing a question's type, removing an option,
adding a required question or swapping two questions' (two options') {réf} tags
is refused with a French error on the form naming the question, and nothing is
saved; rewording a question or an option (its
{réf} kept), reordering and adding an optional question are saved with the ids
the answers point to. The page says what may still change. The add form's key
and the import cannot reshape it either."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from harness.consultations import ORGANISER, deposit_phase, publish
from harness.forms import post_form
from harness.web import app_client, catch_up, login, make_container, make_deps

from services.runtime.bootstrap import Container
from services.web.app import create_web_app

ADMIN = "/admin/consultations/energie/questionnaires"
QUESTIONS = ("1. Comment vous chauffez-vous ? {unique}\n- Gaz\n- Électricité\n- Bois\n"
             "2. Pourquoi ce choix ? {libre}\n3. Votre commune ? {libre}")
ERROR = 'id="f-questions-err"'


class Editor:
    def __init__(self, client: httpx.AsyncClient, container: Container, qid: str) -> None:
        self.client, self.container, self.qid = client, container, qid
        self.url = f"{ADMIN}/{qid}"

    async def saved(self) -> dict[str, Any]:
        doc = await self.container.store.get("questionnaires", "energie", self.qid)
        assert doc is not None
        return doc

    async def text(self) -> str:
        """The editor's text as the page shows it ({réf} tags included)."""
        page = (await self.client.get(self.url)).text
        found = re.search(r'<textarea[^>]*name="questions"[^>]*>(.*?)</textarea>', page, re.S)
        assert found is not None
        return found.group(1).replace("&#39;", "'").replace("&amp;", "&").strip()

    async def save(self, questions: str) -> httpx.Response:
        return await post_form(self.client, self.url, self.url,
                               {"title": "Énergie", "questions": questions})


@pytest.fixture
async def answered() -> AsyncIterator[Editor]:
    container = make_container()
    async with container:
        await publish(container, ORGANISER, "energie", "Énergie", "energie",
                      deposit_phase(datetime.now(UTC)))
        await catch_up(container)
        app = create_web_app(make_deps(container))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),  # type: ignore[arg-type]
                                     base_url="http://testserver") as admin:
            await login(admin)
            r = await post_form(admin, ADMIN, ADMIN, {"title": "Énergie", "cle": "imp-1",
                                                       "questions": QUESTIONS})
            assert r.status_code == 303, r.text
            editor = Editor(admin, container, "imp-1")  # what an import keyed "imp" names
            assert "déjà reçu des réponses" not in (await admin.get(editor.url)).text
            await _answer(app, editor.qid)
            yield editor


async def _answer(app: Any, qid: str) -> None:
    answer = f"/consultations/energie/questionnaires/{qid}/repondre"
    async with app_client(app, "p-eve") as eve:
        page = (await eve.get(answer)).text
        fields = {n: re.search(rf'name="{n}" value="([^"]*)"', page).group(1)  # type: ignore[union-attr]
                  for n in ("csrf_token", "cle")}
        r = await eve.post(answer, data={**fields, "etape": "envoyer", "q1": "q1-o1",
                                         "q2": "Le prix", "q3": "Lyon"})
        assert r.status_code == 303, r.text


async def test_the_editor_says_what_may_still_change(answered: Editor) -> None:
    page = (await answered.client.get(answered.url)).text
    assert "Ce questionnaire a déjà reçu des réponses" in page
    assert "ajouter des questions facultatives" in page
    assert "ni donner à une question ou à une option l'étiquette {réf …} d'une autre" in page
    assert "- Gaz {réf q1-o1}" in await answered.text()


@pytest.mark.parametrize(("edit", "named"), [
    (lambda t: t.split("\n3. ")[0], "la question 3 enregistrée, « Votre commune ? »"),
    (lambda t: t.replace("{libre} {réf q2}", "{unique} {réf q2}\n- Oui\n- Non"),
     "Question 2 : Ce questionnaire a déjà reçu des réponses : le type de « Pourquoi ce choix ? »"),
    (lambda t: t.replace("- Gaz {réf q1-o1}", "- Gaz naturel"),
     "l&#39;option « Gaz » de « Comment vous chauffez-vous ? » ne peut plus être retirée"),
    (lambda t: t + "\n4. Votre âge ? {libre} {obligatoire}",
     "Question 4 : Ce questionnaire a déjà reçu des réponses : la nouvelle question "
     "« Votre âge ? » ne peut être que facultative"),
    (lambda t: _swapped(t, "{réf q2}", "{réf q3}"),
     "Question 2 : Ce questionnaire a déjà reçu des réponses : l&#39;intitulé « Pourquoi ce "
     "choix ? » était celui de la référence q2, et porte maintenant la référence q3"),
    (lambda t: _swapped(t, "{réf q1-o1}", "{réf q1-o2}"),
     "le libellé « Gaz » de la question « Comment vous chauffez-vous ? » était celui de la "
     "référence q1-o1, et porte maintenant la référence q1-o2"),
])
async def test_a_change_of_the_answers_meaning_is_refused_naming_the_question(
        answered: Editor, edit: Any, named: str) -> None:
    before = await answered.saved()
    r = await answered.save(edit(await answered.text()))
    assert r.status_code == 400
    assert ERROR in r.text and named in r.text, r.text[r.text.find(ERROR) - 200:][:1200]
    assert await answered.saved() == before


def _swapped(text: str, one: str, other: str) -> str:
    """The editor's text with two {réf} tags exchanged."""
    return text.replace(one, "\0").replace(other, one).replace("\0", other)


async def test_wording_order_and_an_optional_question_are_saved_with_the_same_ids(
        answered: Editor) -> None:
    before = await answered.saved()
    lines = (await answered.text()).split("\n")
    heating, why, town = lines[:4], lines[4], lines[5]
    reworded = [heating[0].replace("Comment vous chauffez-vous ?", "Comment chauffez-vous "
                                   "votre logement ?").replace("1. ", "2. "),
                heating[1].replace("- Gaz ", "- Gaz naturel "), *heating[2:]]
    r = await answered.save("\n".join([town.replace("3. ", "1. "), *reworded,
                                       why.replace("2. ", "3. "), "4. Votre âge ? {libre}"]))
    assert r.status_code == 303, r.text
    after = await answered.saved()
    ids = [q["question_id"] for q in after["questions"]]
    assert ids[:3] == ["q3", "q1", "q2"] and ids[3] not in ("q1", "q2", "q3", "q4")
    assert after["questions"][1]["text"] == "Comment chauffez-vous votre logement ?"
    assert after["questions"][1]["options"] == [
        {"option_id": "q1-o1", "label": "Gaz naturel"}, *before["questions"][0]["options"][1:]]


async def test_the_add_forms_key_cannot_reshape_a_questionnaire_that_has_answers(
        answered: Editor) -> None:
    before = await answered.saved()
    r = await post_form(answered.client, ADMIN, ADMIN, {
        "cle": answered.qid, "title": "Énergie", "questions": "1. Autre chose ? {libre}"})
    assert r.status_code == 400 and ERROR in r.text
    assert "Ce questionnaire a déjà reçu des réponses" in r.text
    assert await answered.saved() == before


async def test_an_import_naming_a_questionnaire_that_has_answers_leaves_it_as_it_is(
        answered: Editor) -> None:
    before = await answered.saved()
    r = await post_form(answered.client, f"{ADMIN}/importer", f"{ADMIN}/importer/confirmation", {
        "source": "question;type\nAutre chose ?;libre\n", "format": "csv", "key": "imp"})
    assert r.status_code == 303, r.text
    assert await answered.saved() == before


async def test_a_questionnaire_that_has_answers_is_not_removed(answered: Editor) -> None:
    """Its answers, statistics and open data depend on it: « Supprimer » is refused
    in French, and it stays (a questionnaire without answers is still removed)."""
    listing = f"{ADMIN}"
    r = await post_form(answered.client, listing, f"{answered.url}/suppression")
    # back on the list, which says why (htmx swaps the list in: an error page was
    # swapped in by nobody, and the click seemed to do nothing)
    assert r.status_code == 303 and r.headers["location"] == f"{ADMIN}?refus=questionnaire_answered"
    said = (await answered.client.get(r.headers["location"])).text
    elements = said.split('id="elements"')[1]
    assert "a déjà des réponses" in elements.split("</ul>")[0]
    assert await answered.saved()
    r = await post_form(answered.client, ADMIN, ADMIN, {"title": "Brouillon", "cle": "vide",
                                                         "questions": "1. Une idée ? {libre}"})
    assert r.status_code == 303, r.text
    r = await post_form(answered.client, listing, f"{ADMIN}/vide/suppression")
    assert r.status_code == 303, r.text
    await catch_up(answered.container)
    assert await answered.container.store.get("questionnaires", "energie", "vide") is None
