"""Articles (sanitised Markdown), documents (type by bytes, size limit, blob store),
videos (provider + id, nothing third-party before the click)."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest

from consultation.consultation_world import World
from services.consultation import content_handlers as ch
from services.consultation import handlers as h
from services.consultation.blobstore import FilesystemBlobStore, MemoryBlobStore, sha256_of
from services.consultation.commands import CreateConsultation
from services.consultation.content_commands import (
    AttachDocument,
    AttachVideo,
    PublishArticle,
    RemoveDocument,
    UnpublishArticle,
    WriteArticle,
)
from services.consultation.richtext import ALLOWED_TAGS, render_markdown
from services.consultation.uploads import DOCX, ODT, check_upload, sniff, store_upload
from services.consultation.videos import parse_video_url
from services.core.errors import DomainError

PDF = b"%PDF-1.7\n" + b"0" * 100
PNG = b"\x89PNG\r\n\x1a\n" + b"0" * 100


def _zip(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


async def _consultation(world: World) -> None:
    await h.create_consultation(CreateConsultation("c1", "Plan vélo", "velo"), **world.ports)  # type: ignore[arg-type]


# -- rich text ----------------------------------------------------------------------------

@pytest.mark.parametrize("hostile", [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[clic](javascript:alert(1))",
    "<a href=\"javascript:alert(1)\">x</a>",
    "<iframe src=https://evil.example></iframe>",
    "<style>body{display:none}</style>",
    "![pixel](https://tracker.example/p.gif)",
])
def test_markdown_never_outputs_active_content(hostile: str) -> None:
    html = render_markdown(f"Texte **gras**\n\n{hostile}")
    assert "<strong>gras</strong>" in html
    assert set(re.findall(r"<([a-z0-9]+)", html)) <= ALLOWED_TAGS  # the rest is escaped text
    assert not re.search(r"<[^>]*\son[a-z]+=", html)  # no event handler inside a tag
    assert not re.search(r'<a [^>]*href="javascript', html) and "<img" not in html


def test_markdown_keeps_structure_and_safe_links() -> None:
    html = render_markdown("# Titre\n\n- un\n- deux\n\n[site](https://example.org)")
    assert "<h2>Titre</h2>" in html  # the page owns h1
    assert "<li>un</li>" in html
    assert 'href="https://example.org"' in html and 'rel="noopener noreferrer nofollow"' in html


async def test_article_lifecycle_and_public_copy(world: World) -> None:
    await _consultation(world)
    await ch.write_article(WriteArticle("a1", "c1", "Pourquoi ?", "Parce que <script>x</script>"),
                           **world.ports)  # type: ignore[arg-type]
    await world.project()
    assert await world.store.list("published_articles", "c1") == []
    await ch.publish_article(PublishArticle("a1", "c1"), **world.ports)  # type: ignore[arg-type]
    await world.project()
    [(_, doc)] = await world.store.list("published_articles", "c1")
    assert doc["title"] == "Pourquoi ?" and "<script" not in doc["body_html"]
    detail = await world.store.get("consultation_detail", "all", "c1")
    assert detail is not None and detail["counts"]["articles"] == 1
    await ch.unpublish_article(UnpublishArticle("a1", "c1"), **world.ports)  # type: ignore[arg-type]
    await world.project()
    assert await world.store.list("published_articles", "c1") == []
    assert (await world.store.get("articles", "c1", "a1")) is not None  # still in back office


@pytest.mark.parametrize(("cmd", "field"), [
    (WriteArticle("a1", "c1", "x" * 201, "corps"), "title"),
    (WriteArticle("a1", "c1", "Titre", "x" * 50_001), "body_markdown"),
    (WriteArticle("a1", "c1", "Titre", "  "), "body_markdown"),
    (WriteArticle("a1", "c1", "Titre", "corps", kind="tract"), "kind"),
    (WriteArticle("a1", "nope", "Titre", "corps"), "consultation_id"),
])
async def test_bad_articles_are_refused_and_save_nothing(
        world: World, cmd: WriteArticle, field: str) -> None:
    await _consultation(world)
    before = len(await world.events())
    with pytest.raises(DomainError) as err:
        await ch.write_article(cmd, **world.ports)  # type: ignore[arg-type]
    assert err.value.field == field
    assert len(await world.events()) == before


async def test_publishing_a_missing_article_is_refused(world: World) -> None:
    with pytest.raises(DomainError):
        await ch.publish_article(PublishArticle("nope", "c1"), **world.ports)  # type: ignore[arg-type]


@pytest.mark.parametrize("published", [True, False])
async def test_an_article_is_published_or_withdrawn_only_in_its_own_consultation(
        world: World, published: bool) -> None:
    """The caller's right was checked on the command's consultation: an article of
    another one is refused, published or not, and nothing is written."""
    await _consultation(world)
    await h.create_consultation(CreateConsultation("c2", "Plan bus", "bus"), **world.ports)  # type: ignore[arg-type]
    await ch.write_article(WriteArticle("a1", "c1", "Pourquoi ?", "Parce que."), **world.ports)  # type: ignore[arg-type]
    if published:
        await ch.publish_article(PublishArticle("a1", "c1"), **world.ports)  # type: ignore[arg-type]
    before = len(await world.events())
    for sent in (ch.publish_article(PublishArticle("a1", "c2"), **world.ports),  # type: ignore[arg-type]
                 ch.unpublish_article(UnpublishArticle("a1", "c2"), **world.ports)):  # type: ignore[arg-type]
        with pytest.raises(DomainError) as err:
            await sent
        assert err.value.code == "wrong_consultation"
    assert len(await world.events()) == before


# -- uploads ------------------------------------------------------------------------------

def test_types_are_sniffed_from_bytes() -> None:
    assert sniff(PDF) == "application/pdf"
    assert sniff(PNG) == "image/png"
    assert sniff(b"\xff\xd8\xff\xe0" + b"0" * 10) == "image/jpeg"
    assert sniff(_zip({"mimetype": ODT.encode(), "content.xml": b"<x/>"})) == ODT
    assert sniff(_zip({"[Content_Types].xml": b"<x/>", "word/document.xml": b"<x/>"})) == DOCX
    assert sniff(b"nom;commune\nA;Lyon\n") == "text/csv"
    assert sniff(b"MZ\x90\x00" + b"\x00" * 10) is None  # a Windows executable
    assert sniff(_zip({"evil.exe": b"MZ"})) is None


@pytest.mark.parametrize(("name", "content", "code"), [
    ("rapport.pdf", b"MZ\x90\x00\x00", "unsupported_file_type"),
    ("rapport.pdf", PNG, "unsupported_file_type"),  # the name lies about the bytes
    ("image.png", PDF, "unsupported_file_type"),
    ("page.html", b"<html><script>x</script></html>", "unsupported_file_type"),
    ("vide.pdf", b"", "empty_file"),
    ("gros.pdf", PDF + b"0" * 2000, "file_too_large"),
])
def test_bad_uploads_are_refused_in_french(name: str, content: bytes, code: str) -> None:
    with pytest.raises(DomainError) as err:
        check_upload(name, content, max_bytes=1024)
    assert (err.value.code, err.value.field) == (code, "file")
    assert err.value.message.endswith(".")


def test_upload_names_are_cleaned() -> None:
    assert check_upload("../../etc/<rapport>.pdf", PDF) == ("application/pdf", "_rapport_.pdf")


async def test_a_document_is_stored_content_addressed(world: World) -> None:
    await _consultation(world)
    blobs = MemoryBlobStore()
    digest = await store_upload("dossier.pdf", PDF, blobs=blobs)  # the front's part
    attach = AttachDocument("d1", "c1", "Dossier", "dossier.pdf", digest)
    for _ in range(2):  # sent again (a retry through another front): answered its id
        assert await ch.attach_document(attach, **world.ports, blobs=blobs) == "d1"  # type: ignore[arg-type]
    await world.project()
    [(_, doc)] = await world.store.list("documents", "c1")
    assert doc["media_type"] == "application/pdf" and doc["size"] == len(PDF)
    assert await blobs.get(doc["sha256"]) == PDF
    assert len([e for e in await world.events() if e.stream == "document-d1"]) == 1
    with pytest.raises(DomainError) as caught:  # another file under the same id
        await ch.attach_document(
            AttachDocument("d1", "c1", "Dossier", "x.png", await blobs.put(PNG)),
            **world.ports, blobs=blobs)  # type: ignore[arg-type]
    assert caught.value.code == "already_exists"
    await ch.remove_document(RemoveDocument("d1", "c1"), **world.ports)  # type: ignore[arg-type]
    await world.project()
    assert await world.store.list("documents", "c1") == []


async def test_a_refused_upload_stores_neither_bytes_nor_event(world: World) -> None:
    await _consultation(world)
    blobs = MemoryBlobStore()
    before = len(await world.events())
    with pytest.raises(DomainError):
        await store_upload("x.pdf", PDF, blobs=blobs, max_bytes=10)
    assert blobs.blobs == {}
    digest = await blobs.put(PDF)  # stored, but over the limit of the replica deciding
    with pytest.raises(DomainError):
        await ch.attach_document(AttachDocument("d1", "c1", "Dossier", "x.pdf", digest),
                                 **world.ports, blobs=blobs, max_bytes=10)  # type: ignore[arg-type]
    assert len(await world.events()) == before


async def test_a_document_whose_bytes_are_not_stored_is_refused(world: World) -> None:
    await _consultation(world)
    blobs = MemoryBlobStore()
    for digest in (sha256_of(PDF), "../../etc/passwd"):  # never stored; not a digest
        with pytest.raises(DomainError) as caught:
            await ch.attach_document(AttachDocument("d1", "c1", "Dossier", "x.pdf", digest),
                                     **world.ports, blobs=blobs)  # type: ignore[arg-type]
        assert caught.value.code == "file_missing"


async def test_filesystem_blob_store_round_trip(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path)
    digest = await store.put(PDF)
    assert digest == sha256_of(PDF)
    assert await store.put(PDF) == digest  # idempotent
    assert await store.get(digest) == PDF and await store.exists(digest)
    assert await store.get("0" * 64) is None
    with pytest.raises(ValueError):
        await store.get("../../etc/passwd")


# -- videos -------------------------------------------------------------------------------

@pytest.mark.parametrize(("url", "provider", "vid"), [
    ("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=10", "youtube", "dQw4w9WgXcQ"),
    ("https://youtu.be/dQw4w9WgXcQ", "youtube", "dQw4w9WgXcQ"),
    ("https://www.dailymotion.com/video/x8abcd1", "dailymotion", "x8abcd1"),
    ("https://vimeo.com/76979871", "vimeo", "76979871"),
    ("https://tube.example.fr/w/kkGMgK9ZtnKfYAgnEtQxbv", "peertube", "kkGMgK9ZtnKfYAgnEtQxbv"),
    ("https://peertube.example/videos/watch/9c9de5e8-0a1e-484a-b099-e80766180a6d", "peertube",
     "9c9de5e8-0a1e-484a-b099-e80766180a6d"),
])
def test_video_urls_are_parsed(url: str, provider: str, vid: str) -> None:
    ref = parse_video_url(url)
    assert (ref.provider, ref.video_id) == (provider, vid)
    assert ref.embed_url.startswith("https://")


@pytest.mark.parametrize("url", ["https://evil.example/v.mp4", "javascript:alert(1)",
                                 "https://www.youtube.com/watch?v=<script>", "pas une url"])
def test_unknown_video_urls_are_refused(url: str) -> None:
    with pytest.raises(DomainError) as err:
        parse_video_url(url)
    assert err.value.field == "url"


async def test_video_read_model_has_provider_and_embed_url(world: World) -> None:
    await _consultation(world)
    await ch.attach_video(AttachVideo("v1", "c1", "Présentation",
                                      "https://youtu.be/dQw4w9WgXcQ"), **world.ports)  # type: ignore[arg-type]
    await world.project()
    [(_, doc)] = await world.store.list("videos", "c1")
    assert doc["provider_name"] == "YouTube"
    assert doc["embed_url"] == "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"


async def test_a_documents_title_and_file_are_refused_together(world: World) -> None:
    """ADR 0144: an empty title is said beside a file not received."""
    from services.core.errors import InvalidFields
    await _consultation(world)
    with pytest.raises(InvalidFields) as caught:
        await ch.attach_document(AttachDocument("d1", "c1", "", "x.pdf", sha256_of(PDF)),
                                 **world.ports, blobs=MemoryBlobStore())  # type: ignore[arg-type]
    assert [(e.field, e.code) for e in caught.value.errors] == [
        ("title", "required"), ("file", "file_missing")]
