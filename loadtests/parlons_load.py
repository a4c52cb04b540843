"""What the scenarios share: settings from the environment, the page and form
steps of a visitor and of a participant, each request named by its route
template (as the server's metrics label them), each answer checked.

Settings (environment):
  LOADTEST_CONSULTATION  id (= slug) of a published consultation whose open phase
                         takes anonymous deposits and ballots (`loadtests/seed.py`
                         writes "charge"); the write scenarios need it
  LOADTEST_SCALE         multiplies the Grand Débat and vote-spike rates (1.0)
  LOADTEST_DAY_SECONDS   seconds one Grand Débat day lasts in the run (120)
  LOADTEST_VOTE_BASE     ballots/s before and after the spike (0.5)
  LOADTEST_SPIKE_SECONDS length of the spike (60), LOADTEST_SPIKE_FACTOR (50),
                         LOADTEST_SPIKE_BEFORE seconds at the base rate before and after (30)
"""

from __future__ import annotations

import hashlib
import os
import random
import re
import uuid
from typing import Any

from locust import HttpUser
from locust.exception import StopUser

CONSULTATION = os.environ.get("LOADTEST_CONSULTATION", "charge")
SCALE = float(os.environ.get("LOADTEST_SCALE", "1"))

_WORDS = ("piste", "cyclable", "bus", "horaire", "quartier", "école", "parc", "arbre",
          "trottoir", "éclairage", "marché", "bibliothèque", "covoiturage", "tramway",
          "sécurité", "propreté", "jardin", "banc", "stationnement", "vélo", "piéton",
          "navette", "rue", "place", "fontaine", "santé", "sport", "jeunesse", "aînés")


def env_float(name: str, default: float) -> float:
    return float(os.environ.get(name, str(default)))


def leading_zero_bits(digest: bytes) -> int:
    bits = 0
    for byte in digest:
        if byte == 0:
            bits += 8
            continue
        return bits + 8 - byte.bit_length()
    return bits


def solve(challenge: str, bits: int) -> str:
    """The browser's work (static/js/pow.js): a nonce such that
    SHA-256(challenge ":" nonce) starts with `bits` zero bits."""
    nonce = 0
    while leading_zero_bits(hashlib.sha256(f"{challenge}:{nonce}".encode()).digest()) < bits:
        nonce += 1
    return str(nonce)


def found(pattern: str, text: str) -> str | None:
    match = re.search(pattern, text)
    return match.group(1) if match else None


def sentence(n: int) -> str:
    return " ".join(random.choice(_WORDS) for _ in range(n))


class Visitor(HttpUser):
    """Public pages, no session. `discover` learns the consultations and some
    proposals from the JSON API once per simulated user."""

    abstract = True
    slugs: list[str]
    proposals: list[tuple[str, str]]  # (consultation slug, proposal id)

    def on_start(self) -> None:
        self.discover()

    def discover(self) -> None:
        with self.client.get("/api/consultations?limit=20", name="/api/consultations",
                             catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"consultations: {r.status_code}")
                raise StopUser
            items = r.json().get("items", [])
        docs = [i.get("doc", i) if isinstance(i, dict) else {} for i in items]
        self.consultations = [(d["id"], d.get("slug", d["id"])) for d in docs if "id" in d]
        self.slugs = [slug for _, slug in self.consultations]
        self.proposals = []
        for cid, slug in self.consultations:
            r = self.client.get(f"/api/consultations/{cid}/proposals?limit=20",
                                name="/api/consultations/{consultation_id}/proposals")
            if r.status_code == 200:
                rows = r.json().get("items", [])
                self.proposals += [(slug, row.get("id") or row.get("contribution_id"))
                                   for row in rows if isinstance(row, dict)]
        self.proposals = [(s, p) for s, p in self.proposals if p]

    def page(self, path: str, name: str, *, ok: tuple[int, ...] = (200,)) -> Any:
        with self.client.get(path, name=name, catch_response=True) as r:
            if r.status_code not in ok:
                r.failure(f"{r.status_code} {r.error or ''}")
            return r

    def browse_once(self) -> None:
        """One visit's worth of pages: home, a consultation, its proposals, one
        proposal, a search, the results."""
        self.page("/", "/")
        if not self.consultations:
            return
        cid, slug = random.choice(self.consultations)
        self.page(f"/consultations/{slug}", "/consultations/{slug}")
        self.page(f"/consultations/{slug}/propositions", "/consultations/{slug}/propositions")
        mine = [p for s, p in self.proposals if s == slug]
        if mine:
            pid = random.choice(mine)
            self.page(f"/consultations/{slug}/propositions/{pid}",
                      "/consultations/{slug}/propositions/{pid}")
        word = random.choice(_WORDS)
        self.page(f"/consultations/{slug}/recherche?q={word}", "/consultations/{slug}/recherche")
        self.page(f"/api/search?q={word}&consultation_id={cid}", "/api/search")
        self.page(f"/vote/{cid}/resultats", "/vote/{cid}/resultats", ok=(200, 404))


class Participant(Visitor):
    """An anonymous participant of CONSULTATION: a session opened with the proof
    of work solved, then deposits and ballots through the JSON API (the pages'
    htmx calls) with the session's CSRF header and an Idempotency-Key."""

    abstract = True
    csrf = ""

    def open_session(self, cid: str = CONSULTATION) -> None:
        form = self.page(f"/participer/anonyme?consultation={cid}", "/participer/anonyme")
        html = form.text or ""
        token = found(r'name="csrf_token" value="([^"]+)"', html)
        challenge = found(r'data-pow-challenge="([^"]+)"', html)
        bits = found(r'data-pow-bits="(\d+)"', html)
        fields = {"csrf_token": token or "", "consultation": cid, "suite": "/"}
        if challenge:
            fields |= {"pow_challenge": challenge,
                       "pow_nonce": solve(challenge, int(bits or 18))}
        with self.client.post("/participer/anonyme", data=fields, allow_redirects=False,
                              name="/participer/anonyme [POST]", catch_response=True) as r:
            if r.status_code != 303:
                r.failure(f"no session: {r.status_code} {r.error or r.text[:200]}")
                raise StopUser
        session = self.client.get("/api/session", name="/api/session").json()
        self.csrf = session.get("csrf_token", "")

    def write(self, path: str, name: str, body: dict[str, Any] | None = None,
              ok: tuple[int, ...] = (200, 201, 204)) -> Any:
        headers = {"X-CSRF-Token": self.csrf, "Idempotency-Key": str(uuid.uuid4())}
        with self.client.post(path, json=body or {}, headers=headers, name=name,
                              catch_response=True) as r:
            if r.status_code not in ok:
                r.failure(f"{r.status_code} {r.error or r.text[:200]}")
                return None
            return r.json() if r.content else {}

    def deposit(self, cid: str = CONSULTATION) -> str | None:
        created = self.write(f"/api/consultations/{cid}/proposals",
                             "/api/consultations/{consultation_id}/proposals [POST]",
                             {"title": sentence(5).capitalize(), "body": sentence(30) + "."})
        return created.get("id") if created else None

    def sequence(self, cid: str = CONSULTATION, size: int = 5) -> list[str]:
        self.page(f"/vote/{cid}", "/vote/{cid}")
        r = self.page(f"/api/consultations/{cid}/sequence?size={size}",
                      "/api/consultations/{cid}/sequence")
        items = r.json().get("items", []) if r.status_code == 200 else []
        return [i if isinstance(i, str) else i.get("id") for i in items]

    def ballot(self, item: str) -> bool:
        kind, choice = random.choice(
            [("agree", "agree"), ("agree", "disagree"), ("agree", "neutral"),
             ("support", "support")])
        return self.write(f"/api/items/{item}/ballot", "/api/items/{item_id}/ballot",
                          {"kind": kind, "choice": choice}) is not None
