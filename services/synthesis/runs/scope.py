"""What a theme run clusters (ADR 0143): the whole consultation (the default, and
what every run logged before scopes covered), its proposals only, or the free
texts given to one question of one questionnaire: an open question's answers, or
the « Autre » texts of a closed question offering it. Themes mean something
question by question: the answers about taxes mixed with those about democracy
make themes of neither.

Question ids are unique within a questionnaire only, so a question scope names
both, and a corpus doc must carry its questionnaire id (`synthesis.corpus` since
2026-12-08): a doc without one cannot be placed, and the run is refused rather
than mixing questionnaires."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from services.core.errors import DomainError
from services.synthesis.runs.corpus import PROPOSALS_KEY, WHOLE_KEY, Snapshot, question_key

CONSULTATION, PROPOSALS, QUESTION = "consultation", "proposals", "question"
BAD_SCOPE = "Choisissez un périmètre de la liste : toute la consultation, les propositions " \
            "ou une question d'un questionnaire."
GONE_QUESTION = "Cette question n'existe pas (ou plus) dans les questionnaires de la " \
                "consultation, ou n'appelle pas de texte libre : choisissez-en une autre."


class CorpusTooOld(ValueError):
    """The corpus was built before docs named their questionnaire. A ValueError,
    as the run's other "cannot cluster this input" failures: the run fails with
    this French reason, shown on its page."""

    def __init__(self) -> None:
        super().__init__(
            "Le corpus de la synthèse date d'avant les analyses par question : il ne dit pas "
            "à quel questionnaire appartient chaque réponse. Il doit être reconstruit "
            "(parlons replay synthesis.corpus) avant d'analyser une question.")


@dataclass(frozen=True, slots=True)
class RunScope:
    kind: str = CONSULTATION
    questionnaire_id: str = ""
    question_id: str = ""

    @classmethod
    def proposals(cls) -> RunScope:
        return cls(PROPOSALS)

    @classmethod
    def question(cls, questionnaire_id: str, question_id: str) -> RunScope:
        return cls(QUESTION, questionnaire_id, question_id)

    @classmethod
    def from_data(cls, data: Mapping[str, Any] | None) -> RunScope:
        """From an event or a read model; absent or empty: the whole consultation."""
        if not data or data.get("kind", CONSULTATION) == CONSULTATION:
            return cls()
        return cls(str(data["kind"]), str(data.get("questionnaire_id", "")),
                   str(data.get("question_id", "")))

    def to_data(self) -> dict[str, str]:
        if self.kind == CONSULTATION:
            return {}  # as events logged before scopes: one meaning, one form
        if self.kind == PROPOSALS:
            return {"kind": PROPOSALS}
        return {"kind": QUESTION, "questionnaire_id": self.questionnaire_id,
                "question_id": self.question_id}

    @property
    def key(self) -> str:
        """The form's value: "", "propositions" or "question/<questionnaire>/<question>"
        (ids never hold a slash)."""
        if self.kind == CONSULTATION:
            return WHOLE_KEY
        if self.kind == PROPOSALS:
            return PROPOSALS_KEY
        return question_key(self.questionnaire_id, self.question_id)

    @classmethod
    def from_key(cls, key: str) -> RunScope:
        if key == "":
            return cls()
        if key == PROPOSALS_KEY:
            return cls.proposals()
        parts = key.split("/")
        if len(parts) != 3 or parts[0] != QUESTION or not all(parts[1:]):
            raise DomainError("bad_scope", BAD_SCOPE, field="scope")
        return cls.question(parts[1], parts[2])

    def holds(self, doc: Mapping[str, Any]) -> bool:
        if self.kind == CONSULTATION:
            return True
        if self.kind == PROPOSALS:
            return bool(doc["kind"] == "proposal")
        if doc["kind"] != "answer":
            return False
        if "questionnaire_id" not in doc:
            raise CorpusTooOld()
        return bool(doc["questionnaire_id"] == self.questionnaire_id
                    and doc["question_id"] == self.question_id)

    def check(self, questionnaires: Iterable[Mapping[str, Any]]) -> None:
        """A question scope names a question of the consultation taking free text."""
        if self.kind == QUESTION and _question(self, questionnaires) is None:
            raise DomainError("unknown_scope_question", GONE_QUESTION, field="scope")
        if self.kind not in (CONSULTATION, PROPOSALS, QUESTION):
            raise DomainError("bad_scope", BAD_SCOPE, field="scope")


WHOLE = RunScope()


def select(snapshot: Snapshot, scope: RunScope) -> Snapshot:
    """The snapshot's docs in the scope; a scoped snapshot's digest and position
    name the scope, so two scopes never share a result (even over the same texts)."""
    if scope == WHOLE:
        return snapshot
    docs = [d for d in snapshot.docs if scope.holds(d)]
    return replace(snapshot, docs=docs, position={**snapshot.position, "scope_texts": len(docs)},
                   scope_key=scope.key)


@dataclass(frozen=True, slots=True)
class ScopeChoice:
    key: str
    label: str
    texts: int | None = None  # how many texts it holds now; None: the corpus cannot tell


def choices(questionnaires: Iterable[Mapping[str, Any]],
            texts: Mapping[str, int] | None = None) -> list[ScopeChoice]:
    """The « Nouvelle analyse » form's list, questionnaires in the given order, each
    with its count of texts (`SynthesisSource.texts`; a scope absent from it: 0)."""
    out = [ScopeChoice(WHOLE_KEY, "Toute la consultation"),
           ScopeChoice(PROPOSALS_KEY, "Les propositions")]
    for form in questionnaires:
        for q in form["questions"]:
            if q["kind"] == "open":
                label = q["text"]
            elif q.get("allow_other"):
                label = f"{q['text']} (réponses « Autre »)"
            else:
                continue
            scope = RunScope.question(form["questionnaire_id"], q["question_id"])
            out.append(ScopeChoice(scope.key, f"{form['title']} — {label}"))
    if texts is None:
        return out
    return [replace(c, texts=texts.get(c.key, 0)) for c in out]


def texts_in(scope: RunScope, texts: Mapping[str, int]) -> int:
    """The texts a scope holds, from `SynthesisSource.texts` (a scope absent: none)."""
    return texts.get(scope.key, 0)


def describe(scope: RunScope, questionnaires: Iterable[Mapping[str, Any]]) -> str:
    """What the themes cover, to follow « Thèmes de » / « Périmètre : »."""
    if scope.kind == CONSULTATION:
        return "toute la consultation"
    if scope.kind == PROPOSALS:
        return "les propositions"
    q = _question(scope, questionnaires)
    if q is None:
        return "les réponses à une question retirée depuis"
    if q["kind"] == "open":
        return f"les réponses à « {q['text']} »"
    return f"les réponses « Autre » à « {q['text']} »"


def named(scope: RunScope, questionnaires: Iterable[Mapping[str, Any]]) -> tuple[str, str]:
    """(what, its questionnaire's title) naming a scope in a list of syntheses: a
    question's text (« Autre » said) and its questionnaire; the proposals, no title."""
    if scope.kind == CONSULTATION:
        return "Toute la consultation", ""
    if scope.kind == PROPOSALS:
        return "Les propositions", ""
    questionnaires = list(questionnaires)
    title = next((f["title"] for f in questionnaires
                  if f["questionnaire_id"] == scope.questionnaire_id), "")
    q = _question(scope, questionnaires)
    if q is None:
        return "Une question retirée depuis", title
    return (q["text"] if q["kind"] == "open" else f"{q['text']} (réponses « Autre »)"), title


def _question(scope: RunScope, questionnaires: Iterable[Mapping[str, Any]],
              ) -> Mapping[str, Any] | None:
    for form in questionnaires:
        if form["questionnaire_id"] != scope.questionnaire_id:
            continue
        question: Mapping[str, Any]
        for question in form["questions"]:
            if question["question_id"] == scope.question_id and (
                    question["kind"] == "open" or question.get("allow_other")):
                return question
    return None


def themes_of(scope: RunScope, questionnaires: Iterable[Mapping[str, Any]]) -> str:
    """The public synthesis's heading of its themes: « Thèmes des réponses à « … » »."""
    covers = describe(scope, questionnaires)
    if covers.startswith("les "):
        return f"Thèmes des {covers.removeprefix('les ')}"
    return f"Thèmes de {covers}"
