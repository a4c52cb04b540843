"""Theme runs scoped to a question over HTTP (ADR 0143), embedded with the run
job: two questionnaires both asking an open question `impots`, proposals beside;
an analyst asks for the themes of one questionnaire's `impots` answers and gets
themes of those answers only; the form says how many texts each scope holds; the
runs list and the run's page say the scope; a scope naming no free-text question,
or holding fewer texts than themes asked, is refused in French on its field,
nothing stored; the public page, its report and its CSV say what they cover.
Publication per scope (ADR 0143 amended): the whole consultation's synthesis and
a question's side by side, each on its own page, the main one listing the other."""

from __future__ import annotations

import csv
import io
import re

import pytest
from harness.consultations import draft_consultation, open_consultation
from harness.forms import csrf_header, post_form
from harness.platform import SYSTEM, Platform, participant, session_client, until

from services.consultation.content_commands import OptionSpec, QuestionSpec, SaveQuestionnaire
from services.identity.commands import GrantRole
from services.identity.queries import roles_in
from services.synthesis.runs.corpus import CORPUS
from services.synthesis.runs.tables import MEMBER_OF, PUBLISHED, RUNS

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
        scoped = "/consultations/c1/synthese/question/fiscalite/impots"  # its scope's page

        async def published() -> bool:
            page = await reader.get(scoped)
            return "Thèmes des réponses à « Quels impôts faut-il baisser en priorité ? »" \
                in page.text
        await until(published, timeout=10)
        covers = "les réponses à « Quels impôts faut-il baisser en priorité ? »"
        report = (await reader.get(f"{scoped}/rapport.md")).text
        said = covers.replace("-", "\\-")  # Markdown escaped, as every text of the report
        assert f"Périmètre : {said}." in report.splitlines()[:4], report[:500]
        rows = list(csv.reader(io.StringIO(
            (await reader.get(f"{scoped}/themes.csv")).text)))
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


async def publish_run(ana: object, p: Platform, scope: str) -> str:
    """A full run of `scope` (2 themes) published by Ana; its id."""
    r = await post_form(ana, BASE, f"{BASE}/analyses",  # type: ignore[arg-type]
                        {"mode": "full", "n_themes": "2", "seed": "3", "scope": scope})
    assert r.status_code == 303, r.text[-2000:]
    run_page = r.headers["location"]
    run_id = run_page.rsplit("/", 1)[1]
    await run_of(p, run_id)
    shown = (await ana.get(run_page)).text  # type: ignore[attr-defined]
    assert "elle remplace la synthèse publiée de ce périmètre seulement" in shown, shown[-2500:]
    r = await post_form(ana, run_page, f"{run_page}/publication")  # type: ignore[arg-type]
    assert r.status_code == 303
    return run_id


def _texts(page: str) -> str:
    return page.replace("&#39;", "'").replace("\u2019", "'")


async def test_each_scope_has_its_own_public_synthesis_beside_the_whole(
        platform: Platform, world: dict[str, str]) -> None:
    """ADR 0143 amended (publication per scope): a question's synthesis and the
    whole consultation's are published side by side, each on its own page with
    its themes, its report and its CSV; publishing one replaces its scope's only."""
    p = platform
    main = "/consultations/c1/synthese"
    question = f"{main}/question/fiscalite/impots"
    async with session_client(p, world["Ana"]) as ana:
        asked = await publish_run(ana, p, "question/fiscalite/impots")

        async def listed() -> bool:
            return question in (await ana.get(main)).text
        await until(listed, timeout=10)
        page = _texts((await ana.get(main)).text)
        # only a question's synthesis: the main page says so and lists it
        assert "La synthèse de l'ensemble de la consultation n'est pas encore publiée" in page
        assert "Synthèses par question" in page
        assert "Quels impôts faut-il baisser en priorité ?" in page and "La fiscalité" in page
        whole = await publish_run(ana, p, "")

        async def both() -> bool:
            return "Thèmes de toute la consultation" in (await ana.get(main)).text
        await until(both, timeout=10)
        runs = (await ana.get(BASE)).text
        assert runs.count("en ligne") >= 2, runs[-3000:]  # each scope's published run said
        assert f'{main}"' in runs and f'{question}"' in runs
    async with session_client(p, world["Ana"]) as reader:
        page = _texts((await reader.get(main)).text)
        assert "Thèmes de toute la consultation" in page and f'href="{question}"' in page
        assert "n'est pas encore publiée" not in page
        scoped = _texts((await reader.get(question)).text)
        assert "Thèmes des réponses à « Quels impôts faut-il baisser en priorité ? »" in scoped
        assert f'href="{main}"' in scoped  # back to the whole consultation's synthesis
        # each page's themes are its own run's (both runs name their themes t0, t1...)
        for root, run_id, wanted, unwanted in (
                (question, asked, TAXES, DEMOCRACY + PROPOSALS),
                (main, whole, [], [])):
            shown = _texts((await reader.get(root)).text)
            themes = sorted(set(re.findall(rf'href="{root}/themes/(t\d+)"', shown)))
            assert themes, (root, shown[-2000:])
            store = p.container.store
            texts = ""
            for t in themes:
                r = await reader.get(f"{root}/themes/{t}")
                assert r.status_code == 200
                texts += _texts(r.text)
                members = {d["id"] for _, d in await store.list(
                    "synthesis_members", f"{run_id}|{t}", limit=100)}
                corpus = dict(await store.list(CORPUS, "c1", limit=100))
                assert all(corpus[m]["text"] in texts for m in members)
            assert all(t in texts for t in wanted)
            assert not any(t in texts for t in unwanted)
        # exports per scope, each saying what it covers, its links to its own pages
        covers = "les réponses à « Quels impôts faut-il baisser en priorité ? »"
        report = (await reader.get(f"{question}/rapport.md")).text
        assert f"Périmètre : {covers.replace('-', chr(92) + '-')}." in report.splitlines()[:4]
        assert f"http://testserver{question}/themes/t" in report or f"{question}/themes/t" \
            in report, report
        rows = list(csv.reader(io.StringIO((await reader.get(f"{question}/themes.csv")).text)))
        assert {row[-1] for row in rows[1:]} == {covers}
        assert all(row[6].endswith(f"{question}/themes/{row[0]}") for row in rows[1:])
        rows = list(csv.reader(io.StringIO((await reader.get(f"{main}/themes.csv")).text)))
        assert {row[-1] for row in rows[1:]} == {"toute la consultation"}
        assert all(row[6].endswith(f"{main}/themes/{row[0]}") for row in rows[1:])
        # a scope published by nobody, a theme it does not hold: 404
        for path in (f"{main}/propositions", f"{main}/question/democratie/impots",
                     f"{main}/question/democratie/impots/rapport.md",
                     f"{main}/propositions/themes.csv", f"{question}/themes/t99"):
            assert (await reader.get(path)).status_code == 404, path


async def test_a_draft_consultations_scoped_synthesis_is_not_public(platform: Platform) -> None:
    p = platform
    cid = await draft_consultation(p)
    async with p.container.store.transaction() as tx:
        await tx.put(PUBLISHED, cid, "propositions", {
            "run_id": "r1", "draft_version": 3, "published_at": "2026-12-08T10:00:00Z",
            "publication": 1, "contributions": 0, "parameters": {"seed": 0},
            "input_position": {}, "input_digest": "0" * 64, "campaigns": [],
            "scope": {"kind": "proposals"}, "themes": []})
    async with session_client(p, await participant(p, "Curieux")) as reader:
        for path in ("", "/propositions", "/propositions/rapport.md", "/propositions/themes.csv"):
            r = await reader.get(f"/consultations/{cid[-8:]}/synthese{path}")
            assert r.status_code == 404, path
