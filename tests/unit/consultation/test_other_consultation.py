"""Defence in depth against an organiser of one consultation acting on another's
items (security review: an organiser of B withdrew A's article by naming it under
B). The back office answers 404 for such an item; whoever sends the command, its
handler refuses too. Every command naming an existing item carries the consultation
the caller's role was checked on, and its handler compares it with the item's
own, read from the item's stream: `wrong_consultation`, nothing written. The same
command naming the item's consultation is accepted, so that the refusal can only
be the consultation's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict
from datetime import timedelta
from typing import Any

import pytest

from consultation.consultation_world import NOW, World
from services.consultation import commission_handlers as kh
from services.consultation import content_handlers as ch
from services.consultation import handlers as h
from services.consultation import meeting_handlers as mh
from services.consultation.blobstore import MemoryBlobStore
from services.consultation.commands import CreateConsultation
from services.consultation.content_commands import (
    AddCommissionMember,
    AttachDocument,
    AttachVideo,
    CancelMeeting,
    CreateCommission,
    PublishCommissionReport,
    PublishMinutes,
    QuestionSpec,
    RemoveCommissionMember,
    RemoveDocument,
    RemoveQuestionnaire,
    RemoveVideo,
    SaveQuestionnaire,
    ScheduleMeeting,
    UpdateMeeting,
)
from services.consultation.uploads import store_upload
from services.core.errors import DomainError

H = timedelta(hours=1)
URL = "https://www.youtube.com/watch?v=dQw4w9WgXcQ"
MEETING = ScheduleMeeting("m1", "c1", "Réunion publique", NOW + H, NOW + 2 * H,
                          address="1 place de la Comédie", postcode="69001")


class ContentWorld(World):
    """The memory fakes, with the blob store a document's bytes go to."""

    def __init__(self) -> None:
        super().__init__()
        self.blobs = MemoryBlobStore()


Send = Callable[[ContentWorld, str], Awaitable[Any]]


async def _items_of_c1(world: ContentWorld) -> None:
    """c1 with a questionnaire, a document, a video (and a removed one), a meeting
    now over, a commission with a member and a report; c2 with nothing."""
    for cid, slug in (("c1", "velo"), ("c2", "bus")):
        await h.create_consultation(CreateConsultation(cid, f"Plan {slug}", slug), **world.ports)  # type: ignore[arg-type]
    await ch.save_questionnaire(SaveQuestionnaire("q1", "c1", "Vos trajets", (
        QuestionSpec("mode", "open", "Comment venez-vous ?"),)), **world.ports)  # type: ignore[arg-type]
    digest = await store_upload("dossier.pdf", b"%PDF-1.7\n" + b"0" * 100, blobs=world.blobs)
    await ch.attach_document(AttachDocument("d1", "c1", "Dossier", "dossier.pdf", digest),
                             **world.ports, blobs=world.blobs)  # type: ignore[arg-type]
    for vid in ("v1", "v-gone"):
        await ch.attach_video(AttachVideo(vid, "c1", "Présentation", URL), **world.ports)  # type: ignore[arg-type]
    await ch.remove_video(RemoveVideo("v-gone", "c1"), **world.ports)  # type: ignore[arg-type]
    await mh.schedule_meeting(MEETING, **world.ports)  # type: ignore[arg-type]
    await kh.create_commission(CreateCommission("k1", "c1", "Commission mobilités"),
                               **world.ports)  # type: ignore[arg-type]
    await kh.add_commission_member(AddCommissionMember("k1", "c1", "m-1", "Claire Martin",
                                                       "Présidente"), **world.ports)  # type: ignore[arg-type]
    await kh.publish_commission_report(PublishCommissionReport(
        "k1", "c1", "r1", "Rapport d'étape", "Douze auditions."), **world.ports)  # type: ignore[arg-type]
    world.clock.advance(3 * H)  # the meeting is over: its minutes may be written


# Each command on an item of c1, sent naming `cid`.
SENT: dict[str, Send] = {
    "remove a questionnaire": lambda w, cid: ch.remove_questionnaire(
        RemoveQuestionnaire("q1", cid), **w.ports),  # type: ignore[arg-type]
    "remove a document": lambda w, cid: ch.remove_document(
        RemoveDocument("d1", cid), **w.ports),  # type: ignore[arg-type]
    "remove a video": lambda w, cid: ch.remove_video(
        RemoveVideo("v1", cid), **w.ports),  # type: ignore[arg-type]
    "attach a removed video again": lambda w, cid: ch.attach_video(
        AttachVideo("v-gone", cid, "Reprise", URL), **w.ports),  # type: ignore[arg-type]
    "cancel a meeting": lambda w, cid: mh.cancel_meeting(
        CancelMeeting("m1", cid), **w.ports),  # type: ignore[arg-type]
    "edit a meeting": lambda w, cid: mh.schedule_meeting(
        UpdateMeeting(**{**asdict(MEETING), "consultation_id": cid, "title": "Reprise"}),
        **w.ports),  # type: ignore[arg-type]
    "publish a meeting's minutes": lambda w, cid: mh.publish_minutes(
        PublishMinutes("m1", cid, "Une soirée riche.", 42), **w.ports),  # type: ignore[arg-type]
    "add a commission member": lambda w, cid: kh.add_commission_member(
        AddCommissionMember("k1", cid, "m-2", "Karim Benali", "Membre"), **w.ports),  # type: ignore[arg-type]
    "remove a commission member": lambda w, cid: kh.remove_commission_member(
        RemoveCommissionMember("k1", cid, "m-1"), **w.ports),  # type: ignore[arg-type]
    "publish a commission report": lambda w, cid: kh.publish_commission_report(
        PublishCommissionReport("k1", cid, "r2", "Rapport final", "Trois avis."), **w.ports),  # type: ignore[arg-type]
    "edit a commission report": lambda w, cid: kh.publish_commission_report(
        PublishCommissionReport("k1", cid, "r1", "Rapport révisé", "Treize auditions."),
        **w.ports),  # type: ignore[arg-type]
}


@pytest.fixture
def world() -> ContentWorld:
    return ContentWorld()


@pytest.mark.parametrize("what", sorted(SENT))
async def test_an_item_of_another_consultation_is_refused_and_nothing_written(
        world: ContentWorld, what: str) -> None:
    await _items_of_c1(world)
    before = len(await world.events())
    with pytest.raises(DomainError) as refused:
        await SENT[what](world, "c2")
    assert (refused.value.code, refused.value.field) == ("wrong_consultation",
                                                         "consultation_id")
    assert refused.value.message.endswith("appartient à une autre consultation.")
    assert len(await world.events()) == before
    await SENT[what](world, "c1")  # its own consultation's: accepted
    assert len(await world.events()) > before


@pytest.mark.parametrize("what", ["cancel a meeting", "publish a commission report"])
async def test_what_was_done_already_is_still_refused_to_another_consultation(
        world: ContentWorld, what: str) -> None:
    """A retry's « nothing to do » is a decision too: not answered to another
    consultation's caller as if it had been theirs."""
    await _items_of_c1(world)
    await SENT[what](world, "c1")
    before = len(await world.events())
    with pytest.raises(DomainError) as refused:
        await SENT[what](world, "c2")
    assert refused.value.code == "wrong_consultation"
    assert len(await world.events()) == before
