"""Oversized forms in the back office, through the whole app (HTTP front
included): a file past the upload limit answered raw JSON (« payload_too_large »)
to a browser's form, and an article's text over 1 MB « Erreur — La requête n'a pas
pu aboutir » (Starlette's own limit on a field). A browser's form now gets the
site's French page naming the limit, with a link back to the form's page; an API
client keeps its JSON."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness.consultations import draft_consultation
from harness.forms import csrf_of
from harness.platform import open_platform, session_client

LIMIT = 1024 * 1024  # PARLONS_UPLOAD_MAX_BYTES: 1 Mo
BODY = 2 * 1024 * 1024  # PARLONS_MAX_BODY_BYTES: 2 Mo


async def test_oversized_forms_get_a_french_page_and_api_clients_json(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    async with open_platform(tmp_path, monkeypatch, env={
            "UPLOAD_MAX_BYTES": str(LIMIT), "MAX_BODY_BYTES": str(BODY)}) as p:
        cid = await draft_consultation(p)
        documents = f"https://parlons.test/admin/consultations/{cid}/documents"
        async with session_client(p, "orga", kind="admin") as admin:
            token = csrf_of((await admin.get(documents)).text)
            big = b"%PDF-1.4 " + b"0" * (2 * LIMIT)
            r = await admin.post(documents, data={"csrf_token": token, "title": "Gros"},
                                 files={"file": ("gros.pdf", big)},
                                 headers={"Referer": documents})  # no Accept: a form
            assert r.status_code == 413 and r.headers["content-type"].startswith("text/html")
            assert "<h1>Fichier trop volumineux</h1>" in r.text
            assert "la taille maximale acceptée : 1 Mo" in r.text
            assert f'href="/admin/consultations/{cid}/documents">Revenir au formulaire' in r.text
            assert 'class="fr-header' in r.text  # the site's page, not a bare one
            r = await admin.post(documents, data={"csrf_token": token, "title": "Gros"},
                                 files={"file": ("gros.pdf", big)},
                                 headers={"Referer": "https://ailleurs.example/piege"})
            assert r.status_code == 413 and "ailleurs.example" not in r.text
            assert "Revenir au formulaire" not in r.text

            articles = f"/admin/consultations/{cid}/articles"
            token = csrf_of((await admin.get(articles)).text)
            long = {"csrf_token": token, "title": "Long", "body_markdown": "x" * (LIMIT + 10)}
            r = await admin.post(articles, data=long, headers={"Accept": "text/html"})
            assert r.status_code == 400  # the text's own limit, beside its field
            assert 'id="f-body_markdown-err"' in r.text and "ne peut dépasser" in r.text
            r = await admin.post(articles, data={**long, "body_markdown": "x" * BODY})
            assert r.status_code == 413 and "<h1>Formulaire trop volumineux</h1>" in r.text
            assert "la taille maximale acceptée : 2 Mo" in r.text

        api = await p.client().post("/api/consultations", content=b"x" * (BODY + 1),
                                    headers={"Content-Type": "application/json"})
        assert api.status_code == 413 and api.json()["error"] == "payload_too_large"
        api = await p.client().post("/api/consultations/c1/documents",
                                    files={"file": ("gros.pdf", big)})
        assert api.status_code == 413 and api.json()["error"] == "payload_too_large"
