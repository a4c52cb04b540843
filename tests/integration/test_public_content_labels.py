"""What the back office and the public pages say about documents and minutes: the
documents form listed formats it refuses (« texte, tableur, présentation »); the
public lists showed a raw MIME type and « 0 Ko » for a small file, and titled every
minutes « Compte rendu de la rencontre » without naming the meeting."""

from __future__ import annotations

import re
import struct
import zlib

from harness.consultations import open_consultation
from harness.forms import post_form
from harness.platform import Platform, session_client, until

from services.consultation.uploads import ACCEPTED

ADMIN = "/admin/consultations/c1"
MEETING = {"title": "Réunion du quartier", "starts_at": "2024-03-01T18:00",
           "ends_at": "2024-03-01T20:00", "address": "1 place de la Comédie",
           "postcode": "69001"}


def png(width: int) -> bytes:
    """A valid PNG image of `width` x 1 grey pixels, uncompressed enough to weigh
    a few kilobytes."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, 1, 8, 0, 0, 0, 0)
    pixels = zlib.compress(b"\x00" + bytes(range(256)) * (width // 256), 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels)
            + chunk(b"IEND", b""))


async def test_documents_are_described_in_french(platform: Platform) -> None:
    p = platform
    await open_consultation(p, "c1", level="anonymous")
    image = png(3 * 1024)
    async with session_client(p, "orga", kind="admin") as admin:
        form = (await admin.get(f"{ADMIN}/documents")).text
        assert f"Formats acceptés : {ACCEPTED}." in form and "tableur" not in form
        for title, name, content in (("Note", "note.pdf", b"%PDF-1.4 court"),
                                     ("Plan", "plan.png", image)):
            r = await post_form(admin, f"{ADMIN}/documents", f"{ADMIN}/documents",
                                {"title": title}, files={"file": (name, content)})
            assert r.status_code == 303, r.text
    public = p.client()
    for path in ("/consultations/c1/documents", "/consultations/c1"):
        shown = (await public.get(path)).text
        assert "(PDF, moins de 1 Ko)" in shown, path
        assert f"(image PNG, {round(len(image) / 1024)} Ko)" in shown, path
        assert "application/pdf" not in shown and "image/png" not in shown


async def test_minutes_are_listed_under_their_meetings_name(platform: Platform) -> None:
    p = platform
    await open_consultation(p, "c1", level="anonymous")
    async with session_client(p, "orga", kind="admin") as admin:
        r = await post_form(admin, f"{ADMIN}/rencontres", f"{ADMIN}/rencontres", MEETING)
        assert r.status_code == 303, r.text
        [(_, meeting)] = await p.container.store.list("meetings_by_consultation", "c1")
        page = f"{ADMIN}/rencontres/{meeting['meeting_id']}"
        r = await post_form(admin, f"{page}/compte-rendu", f"{page}/compte-rendu",
                            {"summary": "Débat riche.", "attendance": "1"})
        assert r.status_code == 303, r.text
        r = await post_form(admin, page, page, {**MEETING, "title": "Réunion de la Croix"})
        assert r.status_code == 303, r.text

    async def renamed() -> bool:  # the minutes follow their meeting's new name
        doc = await p.container.store.get("minutes", "c1", meeting["meeting_id"])
        return bool(doc and doc.get("title") == "Réunion de la Croix")
    await until(renamed)
    minutes = (await p.client().get("/consultations/c1/comptes-rendus")).text
    assert "Compte rendu de « Réunion de la Croix »" in minutes
    assert re.search(r"Rencontre du 1 mars 2024 · 1 participant\b", minutes)
