"""What the search pages share: the index (the search service's port, held by the
container), running a request with the French refusal instead of a 500, labels,
and query strings for links that keep the current search."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urlencode

from starlette.exceptions import HTTPException
from starlette.requests import Request

from services.deposit.projections import CONTRIBUTIONS
from services.search.errors import QuerySyntaxError, SearchError
from services.search.port import FACETS, SearchIndex, SearchPage, SearchRequest
from services.search.workspace import request_from
from services.store.port import Doc, ReadStore
from services.territory.geography import (
    DEPARTEMENTS,
    REGIONS,
    departement_label,
    region_label,
)
from services.web.deps import Web

KIND_LABELS = {"proposal": "Proposition", "argument": "Argument", "comment": "Commentaire",
               "answer": "Réponse au questionnaire"}
FACET_LABELS = {"kind": "Type", "phase_id": "Phase", "question_id": "Question",
                "theme_id": "Thème", "commune": "Commune", "departement": "Département",
                "region": "Région", "identity_level": "Niveau d'identité",
                "status": "Modération"}
VALUE_LABELS = {"kind": KIND_LABELS,
                "identity_level": {"anonymous": "Anonyme", "email": "Courriel vérifié",
                                   "verified": "Identité vérifiée"},
                "status": {"approved": "Approuvée", "published": "Publiée, non relue"}}


def value_labels(consultation: Doc, questionnaires: Iterable[Doc]) -> dict[str, dict[str, str]]:
    """What the facets' values mean, by name: the consultation's phases, themes
    and questions, and territories as « Rhône (69) », « Auvergne-Rhône-Alpes »
    rather than their codes."""
    return {**VALUE_LABELS,
            "phase_id": {p["phase_id"]: p["title"] for p in consultation.get("phases", [])},
            "theme_id": {t["theme_id"]: t["title"] for t in consultation.get("themes", [])},
            "question_id": {q["question_id"]: _short(q["text"])
                            for qn in questionnaires for q in qn.get("questions", [])},
            "departement": {c: departement_label(c) for c in DEPARTEMENTS},
            "region": {c: region_label(c) for c in REGIONS}}


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[:limit - 1].rstrip() + "…"


# The analysts' CSV export, in the back office: its columns (search.workspace's
# EXPORT_COLUMNS, in that order) named in French; the values in words too.
EXPORT_HEADINGS = ("Identifiant", "Type", "Consultation", "Phase", "Question", "Thème",
                   "Commune", "Département", "Région", "Niveau d'identité", "Modération",
                   "Date", "Votes", "Titre", "Texte")

SORT_LABELS = {"relevance": "Pertinence", "votes": "Votes", "date": "Date",
               "random": "Aléatoire (avec une graine)"}
WORKSPACE_FACETS = tuple(f for f in FACETS if f != "consultation_id")
PARAM_ERROR = "Les paramètres numériques (page, taille, graine) sont invalides."


def search_index(web: Web) -> SearchIndex:
    """The search service's index, or a French 503 when this front end has none."""
    index = web.deps.port("search_index", SearchIndex)
    if index is None:
        raise HTTPException(503, "La recherche n'est pas disponible.")
    return index


def params_of(request: Request) -> dict[str, list[str]]:
    return {k: request.query_params.getlist(k) for k in request.query_params}


@dataclass
class Outcome:
    """A page of results, or the French refusal and the field it belongs to."""

    request: SearchRequest
    page: SearchPage | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def status(self) -> int:
        return 400 if self.errors else 200


def parsed(params: dict[str, list[str]], *, page_size: int = 20) -> Outcome:
    try:
        return Outcome(request_from(params, page_size=page_size))
    except ValueError:
        return Outcome(SearchRequest(query=(params.get("q") or [""])[0]),
                       errors={"__all__": PARAM_ERROR, "page": PARAM_ERROR})


async def run(index: SearchIndex, outcome: Outcome) -> Outcome:
    if outcome.errors:
        return outcome
    try:
        outcome.page = await index.search(outcome.request)
    except SearchError as e:
        where = "q" if isinstance(e, QuerySyntaxError) else "filtres"
        outcome.errors = {"__all__": str(e), where: str(e)}
    return outcome


def query_string(params: dict[str, list[str]], *, drop: Iterable[str] = (),
                 **replace: str) -> str:
    """The current parameters (repeated ones kept) with some replaced or dropped."""
    pairs = [(k, v) for k, vs in params.items() if k not in replace and k not in drop
             for v in vs if v]
    pairs += [(k, v) for k, v in replace.items() if v]
    return urlencode(pairs)


async def proposals_of(store: ReadStore, page: SearchPage | None) -> dict[str, str]:
    """For each argument and comment of a page of hits, the proposal it belongs to
    (a comment's parent may be an argument): where its hit links to, as a
    proposal's hit links to its page. The deposit's read model knows the parents;
    a hit it does not know yet has no link."""
    if page is None:
        return {}
    ids = [h.doc.id for h in page.hits if h.doc.kind in ("argument", "comment")]
    docs = await store.get_many(CONTRIBUTIONS, "all", ids) if ids else {}
    parents = [d["parent_id"] for d in docs.values()
               if d.get("kind") == "comment" and d.get("parent_id")]
    docs |= await store.get_many(CONTRIBUTIONS, "all", parents) if parents else {}

    def proposal(doc_id: str, depth: int = 0) -> str:
        doc = docs.get(doc_id)
        if doc is None or depth > 2:
            return ""
        if doc.get("kind") == "proposal":
            return doc_id
        return proposal(doc.get("proposal_id") or doc.get("parent_id") or "", depth + 1)
    return {i: p for i in ids if (p := proposal(i))}
