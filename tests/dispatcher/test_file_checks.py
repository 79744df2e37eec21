"""Issue 17, finding 4: the type check of an upload runs off the event loop, and videos, voice
and audio messages pass the same checks (size, type, antivirus) as documents and photos, in a
private chat and on their way to the agents."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiogram.methods import CopyMessage
from sqlalchemy import select

from bot.config import load_settings
from bot.files import store
from db.models import Attachment, Ticket
from tests.dispatcher.harness import Harness
from tests.fakes.clamd import FakeClamd
from tests.fakes.desk import GROUP, desk_settings
from tests.fakes.uploads import EICAR, EXE, MP3, MP4, OGG, PDF, file_update, stored_files

MB = 1024 * 1024

pytestmark = pytest.mark.usefixtures("files_dir")


async def attachments(harness: Harness) -> list[Attachment]:
    async with harness.sessionmaker() as session:
        return list((await session.scalars(select(Attachment).order_by(Attachment.id))).all())


async def test_the_type_check_runs_off_the_event_loop(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    on_loop: list[bool] = []
    real_sniff = store.sniff

    def spy(content: bytes) -> store.FileKind | None:
        try:
            asyncio.get_running_loop()
            on_loop.append(True)
        except RuntimeError:  # a worker thread runs no event loop
            on_loop.append(False)
        return real_sniff(content)

    monkeypatch.setattr(store, "sniff", spy)
    big_text = ("a line of a long brief, " * 40 + "\n").encode() * 2000  # about 2 MB
    for content, name in ((PDF, "brief.pdf"), (big_text, "brief.txt")):
        await harness.feed(file_update(harness.session, content, name=name))
    assert on_loop == [False, False]
    assert [a.file_name for a in await attachments(harness)] == ["brief.pdf", "brief.txt"]


@pytest.mark.parametrize(
    ("media", "content", "name", "mime", "stored_as", "stored_mime"),
    [
        ("video", MP4, "demo.mp4", "video/mp4", "demo.mp4", "video/mp4"),
        ("video", MP4, None, "video/mp4", "video_u*.mp4", "video/mp4"),
        ("video_note", MP4, None, None, "video_u*.mp4", "video/mp4"),
        ("animation", MP4, "loop.mp4", "video/mp4", "loop.mp4", "video/mp4"),
        ("voice", OGG, None, "audio/ogg", "voice_u*.ogg", "audio/ogg"),
        ("audio", MP3, "song.mp3", "audio/mpeg", "song.mp3", "audio/mpeg"),
        ("audio", MP4, None, "audio/mp4", "audio_u*.m4a", "audio/mp4"),
    ],
    ids=["video", "video-unnamed", "video-note", "animation", "voice", "mp3", "m4a"],
)
async def test_video_voice_and_audio_are_checked_and_stored(
    harness: Harness,
    files_dir: Path,
    media: str,
    content: bytes,
    name: str | None,
    mime: str | None,
    stored_as: str,
    stored_mime: str,
) -> None:
    update = file_update(harness.session, content, media=media, name=name, mime_type=mime)
    await harness.feed(update)
    (text,) = harness.session.sent_texts()
    assert "Received" in text
    (attachment,) = await attachments(harness)
    assert attachment.file_name is not None and Path(attachment.file_name).match(stored_as)
    assert attachment.mime_type == stored_mime
    assert attachment.storage_path is not None
    assert (files_dir / attachment.storage_path).read_bytes() == content


@pytest.mark.parametrize(
    ("media", "content", "name", "size", "said"),
    [
        ("voice", EXE, None, None, "does not match its extension"),
        ("video", PDF, "clip.mp4", None, "does not match its extension"),
        ("audio", EXE, "setup.exe", None, "I accept PDF"),
        ("audio", MP3, "song.mp3", 30 * MB, "larger than 10 MB"),
        ("video_note", MP4, None, 11 * MB, "larger than 10 MB"),
    ],
    ids=["voice-exe", "video-pdf", "audio-exe", "audio-too-big", "video-note-too-big"],
)
async def test_media_that_fail_the_checks_are_refused(
    harness: Harness,
    files_dir: Path,
    media: str,
    content: bytes,
    name: str | None,
    size: int | None,
    said: str,
) -> None:
    update = file_update(harness.session, content, media=media, name=name, size=size)
    await harness.feed(update)
    (text,) = harness.session.sent_texts()
    assert "Not accepted" in text and said in text
    assert await attachments(harness) == []
    assert stored_files(files_dir) == []


async def test_clamd_scans_voice_messages_too(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    infected = OGG + EICAR
    async with FakeClamd() as fake:
        monkeypatch.setenv("CLAMAV_SOCKET", fake.socket)
        harness.rebuild(load_settings())
        await harness.feed(file_update(harness.session, infected, media="voice"))
        await harness.feed(file_update(harness.session, OGG, media="voice"))
    first, second = harness.session.sent_texts()
    assert "virus scan found" in first and "Received" in second
    assert fake.scanned == [infected, OGG]


async def test_voice_and_video_in_a_ticket_are_checked_before_they_reach_the_agents(
    desk: Harness,
) -> None:
    desk.rebuild(desk_settings())  # FILES_DIR of this test
    await desk.send("Do you do CI/CD?")
    await desk.send("/human")
    async with desk.sessionmaker() as session:
        ticket = await session.scalar(select(Ticket))
    assert ticket is not None
    desk.session.clear()

    for media, content in (("voice", EXE), ("video", EXE), ("audio", MP3)):
        size = 30 * MB if media == "audio" else None
        update = file_update(desk.session, content, media=media, name="x.mp3", size=size)
        await desk.feed(update)
    assert desk.session.calls(CopyMessage) == []  # none relayed
    assert len([t for t in desk.to_user() if "Not accepted" in t]) == 3

    await desk.feed(file_update(desk.session, OGG, media="voice"))
    [copy] = desk.session.calls(CopyMessage)
    assert str(copy.chat_id) == str(GROUP) and copy.message_thread_id == ticket.topic_id
    [attachment] = await attachments(desk)
    assert attachment.mime_type == "audio/ogg"
