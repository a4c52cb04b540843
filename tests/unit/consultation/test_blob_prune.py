"""`parlons blobs prune` over the memory fakes (ADR 0089): the blobs live documents
name are kept whatever their age, an orphan is deleted once older than the grace
period, and the references come from the log."""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from consultation.consultation_world import World
from services.consultation import content_handlers as ch
from services.consultation import handlers as h
from services.consultation.blobstore import FilesystemBlobStore, MemoryBlobStore, sha256_of
from services.consultation.commands import CreateConsultation
from services.consultation.content_commands import AttachDocument, RemoveDocument
from services.consultation.uploads import store_upload
from services.core.errors import DomainError
from services.runtime.jobs.blobs import NothingToFoldFrom, PruneReport, prune_blobs
from services.synthesis.polis.staging import stage_export

PDF = b"%PDF-1.7\n" + b"1" * 100
OTHER_PDF = b"%PDF-1.7\n" + b"2" * 200
GRACE = timedelta(hours=24)
DAY_AND_A_BIT = timedelta(hours=25)


@pytest.fixture
async def blobs(world: World) -> MemoryBlobStore:
    await h.create_consultation(CreateConsultation("c1", "Plan vélo", "velo"), **world.ports)  # type: ignore[arg-type]
    return MemoryBlobStore(clock=world.clock)


async def _attach(world: World, blobs: MemoryBlobStore, document_id: str, content: bytes) -> str:
    digest = await store_upload(f"{document_id}.pdf", content, blobs=blobs)
    await ch.attach_document(AttachDocument(document_id, "c1", "Dossier", f"{document_id}.pdf",
                                            digest), **world.ports, blobs=blobs)  # type: ignore[arg-type]
    return digest


async def _remove(world: World, document_id: str) -> None:
    await ch.remove_document(RemoveDocument(document_id, "c1"), **world.ports)  # type: ignore[arg-type]


async def _prune(world: World, blobs: MemoryBlobStore) -> PruneReport:
    return await prune_blobs(world.log, blobs, now=world.clock.now(), grace=GRACE)


async def test_a_removed_documents_bytes_are_deleted_a_live_ones_kept(
        world: World, blobs: MemoryBlobStore) -> None:
    live = await _attach(world, blobs, "d1", PDF)
    removed = await _attach(world, blobs, "d2", OTHER_PDF)
    await _remove(world, "d2")
    world.clock.advance(DAY_AND_A_BIT)

    report = await _prune(world, blobs)

    assert await blobs.get(live) == PDF  # a live document's bytes, however old
    assert not await blobs.exists(removed)
    assert (report.deleted, report.freed_bytes, report.referenced, report.young) == (
        1, len(OTHER_PDF), 1, 0)
    assert (await _prune(world, blobs)).deleted == 0  # nothing more to do


async def test_a_young_orphan_is_kept_until_the_grace_period_has_passed(
        world: World, blobs: MemoryBlobStore) -> None:
    # The replica refused it after the front stored it (over its size limit): no event
    # names it, as for an upload whose command is still in flight.
    digest = await blobs.put(PDF)
    with pytest.raises(DomainError):
        await ch.attach_document(AttachDocument("d1", "c1", "Dossier", "d1.pdf", digest),
                                 **world.ports, blobs=blobs, max_bytes=10)  # type: ignore[arg-type]
    world.clock.advance(GRACE - timedelta(minutes=1))
    report = await _prune(world, blobs)
    assert await blobs.exists(digest) and (report.deleted, report.young) == (0, 1)

    world.clock.advance(timedelta(minutes=2))
    report = await _prune(world, blobs)
    assert not await blobs.exists(digest) and report.deleted == 1


async def test_bytes_two_documents_share_are_kept_while_one_is_live(
        world: World, blobs: MemoryBlobStore) -> None:
    shared = await _attach(world, blobs, "d1", PDF)
    assert await _attach(world, blobs, "d2", PDF) == shared  # the same file, twice
    await _remove(world, "d1")
    world.clock.advance(DAY_AND_A_BIT)
    report = await _prune(world, blobs)
    assert await blobs.get(shared) == PDF and report.deleted == 0 and report.referenced == 1

    await _remove(world, "d2")
    assert (await _prune(world, blobs)).deleted == 1
    assert not await blobs.exists(shared)


async def test_an_old_orphan_stored_again_is_young_again(
        world: World, blobs: MemoryBlobStore) -> None:
    """Content addressing: a new upload of bytes already there writes nothing, yet
    its command may be in flight; its age starts over."""
    digest = await _attach(world, blobs, "d1", PDF)
    await _remove(world, "d1")
    world.clock.advance(DAY_AND_A_BIT)
    assert await store_upload("encore.pdf", PDF, blobs=blobs) == digest
    assert (await _prune(world, blobs)).deleted == 0 and await blobs.exists(digest)


async def test_a_staged_polis_export_is_deleted_once_old(
        world: World, blobs: MemoryBlobStore, tmp_path: Path) -> None:
    (tmp_path / "comments.csv").write_text("timestamp,comment-id\n")
    (tmp_path / "votes.csv").write_text("timestamp,voter-id\n")
    staged = await stage_export(tmp_path, blobs)
    assert len(staged) == 2
    assert (await _prune(world, blobs)).young == 2  # its import may be in flight
    world.clock.advance(DAY_AND_A_BIT)
    assert (await _prune(world, blobs)).deleted == 2
    assert blobs.blobs == {}


async def test_nothing_is_deleted_when_the_log_holds_no_consultation(world: World) -> None:
    """The wrong log (a new cluster, another data folder) would name nothing: every
    file would look orphaned."""
    blobs = MemoryBlobStore(clock=world.clock)
    digest = await blobs.put(PDF)
    world.clock.advance(DAY_AND_A_BIT)
    with pytest.raises(NothingToFoldFrom):
        await _prune(world, blobs)
    assert await blobs.exists(digest)


# -- the filesystem adapter's listing and deletion ----------------------------------------

async def test_the_filesystem_store_lists_ages_and_deletes_only_what_is_old(
        tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path)
    old, young = await store.put(PDF), await store.put(OTHER_PDF)
    day_ago = time.time() - 86400
    os.utime(store._path(old), (day_ago, day_ago))
    (tmp_path / old[:2] / ".upload-partial").write_bytes(b"half")  # a write in progress

    listed = {b.sha256: b async for b in store.stored()}
    assert set(listed) == {old, young} and listed[old].size == len(PDF)
    assert listed[old].stored_at < listed[young].stored_at

    cutoff = listed[young].stored_at - timedelta(hours=1)
    assert not await store.delete(young, stored_before=cutoff)
    assert await store.put(PDF) == old  # stored again: its age starts over
    assert not await store.delete(old, stored_before=cutoff)
    os.utime(store._path(old), (day_ago, day_ago))
    assert await store.delete(old, stored_before=cutoff)
    assert await store.get(old) is None and await store.get(young) == OTHER_PDF
    assert not await store.delete(old, stored_before=cutoff)  # already gone
    assert [b.sha256 async for b in store.stored()] == [sha256_of(OTHER_PDF)]


async def test_a_put_racing_the_deletion_keeps_its_bytes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The age is checked after the blob is set aside: a `put` of the same bytes that
    # touches the file just before (its age starts over) puts it back; one that comes
    # just after finds no file and writes the bytes anew. Either way they are there.
    store = FilesystemBlobStore(tmp_path)
    digest = await store.put(PDF)
    day_ago = time.time() - 86400
    cutoff = datetime.now(UTC) - timedelta(hours=1)
    real_rename = os.rename

    def put_then_rename(src: str | Path, dst: str | Path) -> None:
        FilesystemBlobStore._write(store._path(digest), PDF)  # the racing upload
        real_rename(src, dst)

    os.utime(store._path(digest), (day_ago, day_ago))
    monkeypatch.setattr(os, "rename", put_then_rename)
    assert not await store.delete(digest, stored_before=cutoff)
    monkeypatch.undo()
    assert await store.get(digest) == PDF and sorted(os.listdir(tmp_path / digest[:2])) == [
        digest[2:]]

    def rename_then_put(src: str | Path, dst: str | Path) -> None:
        real_rename(src, dst)
        FilesystemBlobStore._write(store._path(digest), PDF)

    os.utime(store._path(digest), (day_ago, day_ago))
    monkeypatch.setattr(os, "rename", rename_then_put)
    assert await store.delete(digest, stored_before=cutoff)  # the old file, yes
    monkeypatch.undo()
    assert await store.get(digest) == PDF  # the new upload's bytes, young
    assert [b.stored_at > cutoff async for b in store.stored()] == [True]


async def test_what_an_interrupted_write_or_prune_left_is_cleaned(tmp_path: Path) -> None:
    store = FilesystemBlobStore(tmp_path)
    digest = await store.put(PDF)
    fan_out = tmp_path / digest[:2]
    old_partial, new_partial = fan_out / ".upload-crashed", fan_out / ".upload-in-flight"
    old_partial.write_bytes(b"half"), new_partial.write_bytes(b"half")
    day_ago = time.time() - 86400
    os.utime(old_partial, (day_ago, day_ago))
    os.rename(store._path(digest), fan_out / f".prune-{digest[2:]}")  # a prune killed here
    assert await store.get(digest) is None

    cutoff = datetime.now(UTC) - timedelta(hours=1)
    assert await store.sweep_abandoned(stored_before=cutoff) == 1
    assert await store.get(digest) == PDF  # set aside, put back
    assert sorted(os.listdir(fan_out)) == sorted([digest[2:], new_partial.name])
    assert await MemoryBlobStore().sweep_abandoned(stored_before=cutoff) == 0
