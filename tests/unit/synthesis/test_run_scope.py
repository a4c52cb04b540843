"""A theme run's scope (ADR 0143): the whole consultation, its proposals, or the
answers to one question of one questionnaire (question ids are unique within a
questionnaire only). The filter, the form's keys and labels, the digest that
keeps two scopes from sharing a result, and an old corpus refused clearly."""

from __future__ import annotations

from typing import Any

import pytest

from services.core.errors import DomainError
from services.synthesis.runs.corpus import Snapshot
from services.synthesis.runs.scope import (
    WHOLE,
    CorpusTooOld,
    RunScope,
    choices,
    describe,
    select,
    themes_of,
)


def doc(doc_id: str, kind: str, questionnaire: str = "", question: str = "",
        **extra: Any) -> dict[str, Any]:
    return {"id": doc_id, "contribution_id": doc_id.split("~")[0], "kind": kind,
            "text": f"texte {doc_id}", "day": "2026-12-01", "author_id": "p", "campaign": "",
            "proposal_id": doc_id if kind == "proposal" else "",
            "questionnaire_id": questionnaire, "question_id": question, **extra}


DOCS = [doc("p1", "proposal"), doc("p2", "proposal"),
        doc("r1~impots", "answer", "fiscalite", "impots"),
        doc("r2~impots", "answer", "fiscalite", "impots"),
        doc("r2~services", "answer", "fiscalite", "services"),
        doc("r3~impots", "answer", "democratie", "impots")]  # same question id, another form
SNAPSHOT = Snapshot(DOCS, {"corpus_events": 9})
QUESTIONNAIRES = [
    {"questionnaire_id": "fiscalite", "title": "La fiscalité", "questions": [
        {"question_id": "impots", "kind": "open", "text": "Quels impôts baisser ?",
         "allow_other": False},
        {"question_id": "mode", "kind": "single", "text": "Comment venez-vous ?",
         "allow_other": True},
        {"question_id": "age", "kind": "single", "text": "Votre âge", "allow_other": False}]},
    {"questionnaire_id": "democratie", "title": "La démocratie", "questions": [
        {"question_id": "impots", "kind": "open", "text": "Et la démocratie ?",
         "allow_other": False}]}]


def ids(snapshot: Snapshot) -> set[str]:
    return {d["id"] for d in snapshot.docs}


def test_the_whole_consultation_keeps_everything_as_before() -> None:
    kept = select(SNAPSHOT, WHOLE)
    assert kept.docs == SNAPSHOT.docs and kept.digest() == SNAPSHOT.digest()
    assert WHOLE.to_data() == {} and RunScope.from_data({}) == WHOLE
    assert RunScope.from_data(None) == WHOLE  # events logged before scopes


def test_proposals_only() -> None:
    assert ids(select(SNAPSHOT, RunScope.proposals())) == {"p1", "p2"}


def test_one_question_of_one_questionnaire_only() -> None:
    scope = RunScope.question("fiscalite", "impots")
    assert ids(select(SNAPSHOT, scope)) == {"r1~impots", "r2~impots"}
    assert ids(select(SNAPSHOT, RunScope.question("democratie", "impots"))) == {"r3~impots"}
    assert RunScope.from_data(scope.to_data()) == scope
    assert scope.to_data() == {"kind": "question", "questionnaire_id": "fiscalite",
                               "question_id": "impots"}


def test_two_scopes_never_share_a_digest_nor_a_position() -> None:
    only_proposals = Snapshot([d for d in DOCS if d["kind"] == "proposal"], {"corpus_events": 9})
    whole, props = select(only_proposals, WHOLE), select(only_proposals, RunScope.proposals())
    assert whole.docs == props.docs  # the same texts...
    assert whole.digest() != props.digest()  # ...yet not the same input
    assert props.position["scope_texts"] == 2 and "scope_texts" not in whole.position


def test_a_corpus_from_before_scopes_is_refused_for_a_question_never_mixed() -> None:
    old = Snapshot([{k: v for k, v in d.items() if k != "questionnaire_id"} for d in DOCS])
    with pytest.raises(CorpusTooOld, match=r"parlons replay synthesis\.corpus"):
        select(old, RunScope.question("fiscalite", "impots"))
    # proposals and the whole consultation need no questionnaire id
    assert ids(select(old, RunScope.proposals())) == {"p1", "p2"}
    assert len(select(old, WHOLE).docs) == len(DOCS)


def test_form_keys_round_trip_and_bad_keys_are_refused_in_french() -> None:
    for scope in (WHOLE, RunScope.proposals(), RunScope.question("fiscalite", "impots")):
        assert RunScope.from_key(scope.key) == scope
    for bad in ("n'importe", "question/fiscalite", "question//impots", "question/a/b/c"):
        with pytest.raises(DomainError) as refused:
            RunScope.from_key(bad)
        assert refused.value.field == "scope" and "périmètre" in refused.value.message


def test_the_form_lists_open_questions_and_the_other_texts_of_closed_ones() -> None:
    listed = [(c.key, c.label) for c in choices(QUESTIONNAIRES)]
    assert listed == [
        ("", "Toute la consultation"), ("propositions", "Les propositions"),
        ("question/fiscalite/impots", "La fiscalité — Quels impôts baisser ?"),
        ("question/fiscalite/mode", "La fiscalité — Comment venez-vous ? (réponses « Autre »)"),
        ("question/democratie/impots", "La démocratie — Et la démocratie ?")]


def test_what_a_scope_covers_said_in_french() -> None:
    assert describe(WHOLE, QUESTIONNAIRES) == "toute la consultation"
    assert describe(RunScope.proposals(), QUESTIONNAIRES) == "les propositions"
    assert describe(RunScope.question("fiscalite", "impots"), QUESTIONNAIRES) == \
        "les réponses à « Quels impôts baisser ? »"
    assert describe(RunScope.question("fiscalite", "mode"), QUESTIONNAIRES) == \
        "les réponses « Autre » à « Comment venez-vous ? »"
    assert describe(RunScope.question("x", "y"), QUESTIONNAIRES) == \
        "les réponses à une question retirée depuis"


def test_a_scope_names_a_question_that_takes_free_text() -> None:
    RunScope.question("fiscalite", "impots").check(QUESTIONNAIRES)
    RunScope.question("fiscalite", "mode").check(QUESTIONNAIRES)
    for questionnaire, question in (("fiscalite", "age"), ("fiscalite", "nope"),
                                    ("nope", "impots")):
        with pytest.raises(DomainError) as refused:
            RunScope.question(questionnaire, question).check(QUESTIONNAIRES)
        assert refused.value.field == "scope"


def test_the_public_page_says_what_the_themes_cover() -> None:
    assert themes_of(WHOLE, QUESTIONNAIRES) == "Thèmes de toute la consultation"
    assert themes_of(RunScope.proposals(), QUESTIONNAIRES) == "Thèmes des propositions"
    assert themes_of(RunScope.question("fiscalite", "impots"), QUESTIONNAIRES) == \
        "Thèmes des réponses à « Quels impôts baisser ? »"
