"""Theme runs scoped to a question over HTTP (ADR 0143), embedded with the run
job: two questionnaires both asking an open question `impots`, proposals beside;
an analyst asks for the themes of one questionnaire's `impots` answers and gets
themes of those answers only; the form says how many texts each scope holds; the
runs list and the run's page say the scope; a scope naming no free-text question,
or holding fewer texts than themes asked, is refused in French on its field,
nothing stored; the public page, its report and its CSV say what they cover."""

from __future__ import annotations

import csv
import io
import re

import pytest
from harness.consultations import open_consultation
from harness.forms import csrf_header, post_form
from harness.platform import SYSTEM, Platform, participant, session_client, until

from services.consultation.content_commands import OptionSpec, QuestionSpec, SaveQuestionnaire
from services.identity.commands import GrantRole
from services.identity.queries import roles_in
from services.synthesis.runs.corpus import CORPUS
from services.synthesis.runs.tables import MEMBER_OF, RUNS

BASE = "/admin/analyse/c1/synthese"
TAXES = ["Baisser la TVA sur les produits de première nécessité alimentaires",
         "Supprimer la TVA sur les produits alimentaires de base",
         "Réduire la TVA sur l'alimentation et les produits de première nécessité",
         "Baisser l'impôt sur le revenu des classes moyennes salariées",
         "Alléger l'impôt sur le revenu des ménages modestes et moyens",
         "Diminuer l'impôt sur le revenu pour les classes moyennes"]
DEMOCRACY = ["Le référendum d'initiative citoyenne pour décider ensemble",
             "Tirer au sort des citoyens pour une assemblée citoyenne",
             "Prendre en compte le vote blanc aux élections"]
PROPOSALS = ["Des pistes cyclables sûres le long des quais pour les vélos",
             "Des maisons de santé avec médecins dans chaque canton"]
FISCALITE = (QuestionSpec("impots", "open", "Quels impôts faut-il baisser en priorité ?"),
             QuestionSpec("age", "single", "Votre âge ?",
                          options=(OptionSpec("jeune", "Moins de 30 ans"),
                                   OptionSpec("vieux", "30 ans et plus"))))
DEMOCRATIE = (QuestionSpec("impots", "open", "Comment mieux associer les citoyens ?"),)


@pytest.fixture
async def world(platform: Platform) -> dict[str, str]:
    p = platform
    await open_consultation(p, "c1", level="email", moderation="post")
    await p.container.handle(SaveQuestionnaire("fiscalite", "c1", "La fiscalité", FISCALITE),
                             SYSTEM)
    await p.container.handle(SaveQuestionnaire("democratie", "c1", "La démocratie",
                                               DEMOCRATIE), SYSTEM)
    ana = await participant(p, "Ana")
    await p.container.handle(GrantRole(ana, "c1", "analyst"), SYSTEM)

    async def granted() -> bool:
        return "analyst" in await roles_in(p.container.store, ana, "c1")
    await until(granted)
    answers = 0
    for n, tax in enumerate(TAXES):
        async with session_client(p, await participant(p, f"Repondant{n}")) as client:
            headers = await csrf_header(client)
            forms = [("fiscalite", {"impots": {"text": tax},
                                    "age": {"option_ids": ["jeune"]}})]
            if n < len(DEMOCRACY):
                forms.append(("democratie", {"impots": {"text": DEMOCRACY[n]}}))
            if n < len(PROPOSALS):
                r = await client.post("/api/consultations/c1/proposals",
                                      headers={**headers, "Idempotency-Key": f"p{n}"},
                                      json={"title": f"Idée {n}", "body": PROPOSALS[n]})
                assert r.status_code == 201, r.text
            for qid, given in forms:
                r = await client.post(f"/api/consultations/c1/questionnaires/{qid}/responses",
                                      headers={**headers, "Idempotency-Key": f"{qid}{n}"},
                                      json={"answers": given})
                assert r.status_code == 201, r.text
                answers += 1

    async def corpus_ready() -> bool:
        return len(await p.container.store.list(CORPUS, "c1", limit=100)) == \
            answers + len(PROPOSALS)
    await until(corpus_ready, timeout=10)
    return {"Ana": ana}


async def run_of(p: Platform, run_id: str, status: str = "done") -> dict[str, object]:
    async def finished() -> bool:
        run = await p.container.store.get(RUNS, "c1", run_id)
        return bool(run and run["status"] == status
                    and run.get("chunks_seen") == run.get("member_chunks"))
    await until(finished, timeout=60)
    run = await p.container.store.get(RUNS, "c1", run_id)
    assert run is not None
    return run


async def test_themes_of_one_questions_answers_only(platform: Platform,
                                                    world: dict[str, str]) -> None:
    p = platform
    async with session_client(p, world["Ana"]) as ana:
        page = (await ana.get(BASE)).text
        for value, label in (("", "Toute la consultation"), ("propositions", "Les propositions"),
                             ("question/fiscalite/impots", "Quels impôts faut-il baisser"),
                             ("question/democratie/impots", "Comment mieux associer")):
            assert f'value="{value}"' in page and label in page, value
        assert "question/fiscalite/age" not in page  # closed, no « Autre »: no free text
        for label in ("Toute la consultation (11 textes)", "Les propositions (2 textes)",
                      "La fiscalité — Quels impôts faut-il baisser en priorité ? (6 textes)",
                      "La démocratie — Comment mieux associer les citoyens ? (3 textes)"):
            assert f"{label}</option>" in page, (label, page[-3000:])
        r = await post_form(ana, BASE, f"{BASE}/analyses", {
            "mode": "full", "n_themes": "2", "seed": "3", "scope": "question/fiscalite/impots"})
        assert r.status_code == 303, r.text[-2000:]
        run_page = r.headers["location"]
        run_id = run_page.rsplit("/", 1)[1]
        run = await run_of(p, run_id)
        assert run["contributions"] == len(TAXES)
        members = {k for k, _ in await p.container.store.list(MEMBER_OF, run_id, limit=100)}
        corpus = dict(await p.container.store.list(CORPUS, "c1", limit=100))
        assert {corpus[m]["text"] for m in members} == set(TAXES)
        shown = (await ana.get(run_page)).text
        assert "Périmètre : les réponses à « Quels impôts faut-il baisser en priorité ? »" \
            in shown
        themes = re.findall(rf'{run_page}/themes/(t\d+)"', shown)
        texts = " ".join([(await ana.get(f"{run_page}/themes/{t}")).text for t in themes])
        assert all(t.replace("'", "&#39;") in texts for t in TAXES)
        assert not any(t.replace("'", "&#39;") in texts for t in DEMOCRACY + PROPOSALS)
        listed = (await ana.get(BASE)).text
        assert "les réponses à « Quels impôts faut-il baisser en priorité ? »" in listed
        r = await post_form(ana, run_page, f"{run_page}/publication")
        assert r.status_code == 303
    async with session_client(p, world["Ana"]) as reader:
        async def published() -> bool:
            page = await reader.get("/consultations/c1/synthese")
            return "Thèmes des réponses à « Quels impôts faut-il baisser en priorité ? »" \
                in page.text
        await until(published, timeout=10)
        covers = "les réponses à « Quels impôts faut-il baisser en priorité ? »"
        report = (await reader.get("/consultations/c1/synthese/rapport.md")).text
        said = covers.replace("-", "\\-")  # Markdown escaped, as every text of the report
        assert f"Périmètre : {said}." in report.splitlines()[:4], report[:500]
        rows = list(csv.reader(io.StringIO(
            (await reader.get("/consultations/c1/synthese/themes.csv")).text)))
        assert rows[0][-1] == "Périmètre" and len(rows) > 1
        assert {row[-1] for row in rows[1:]} == {covers}


async def test_bad_scopes_and_too_few_texts_are_refused_in_french_on_the_field(
        platform: Platform, world: dict[str, str]) -> None:
    p = platform
    async with session_client(p, world["Ana"]) as ana:
        for scope, words in (("question/fiscalite/age", "n&#39;appelle pas de texte libre"),
                             ("question/inconnu/impots", "n&#39;existe pas"),
                             ("n-importe-quoi", "Choisissez un périmètre")):
            r = await post_form(ana, BASE, f"{BASE}/analyses",
                                {"mode": "full", "n_themes": "2", "scope": scope})
            assert r.status_code == 400 and words in r.text, (scope, r.text[-1500:])
            assert 'id="f-scope-err"' in r.text
        assert await p.container.log.read("synthesis.events") == []
        # too few texts: refused on the request, on the scope's field, in the run's words
        r = await post_form(ana, BASE, f"{BASE}/analyses", {
            "mode": "full", "n_themes": "5", "scope": "question/democratie/impots"})
        assert r.status_code == 400 and 'id="f-scope-err"' in r.text, r.text[-1500:]
        assert ("Trop peu de textes pour cette analyse : 3 dans son périmètre, il en faut "
                "au moins 5") in r.text
        assert 'value="question/democratie/impots" selected' in r.text  # kept as chosen
        assert await p.container.log.read("synthesis.events") == []
        r = await post_form(ana, BASE, f"{BASE}/analyses", {
            "mode": "full", "n_themes": "3", "scope": "question/democratie/impots"})
        assert r.status_code == 303, r.text[-1500:]
