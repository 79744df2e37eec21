"""Files users send: the checks on their own, then through the dispatcher as a user sends them."""

from __future__ import annotations

import asyncio
import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.config import load_settings
from bot.files import clamd
from bot.files.store import FileKind, FileRejected, Rejection, check, sanitize_name, sniff
from db.models import Attachment
from db.models import Message as MessageRow
from handlers.files import AlbumReplies
from tests.dispatcher.harness import Harness
from tests.fakes.clamd import FakeClamd
from tests.fakes.uploads import EICAR, EXE, JPG, PDF, PNG, file_update, stored_files

MB = 1024 * 1024


# Stored files go to this test's own directory (tests/dispatcher/conftest.py).
pytestmark = pytest.mark.usefixtures("files_dir")


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("run.sh", "echo hi")
    return buffer.getvalue()


DOC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64) + "WordDocument".encode("utf-16-le")
XLS = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(64) + "Workbook".encode("utf-16-le")


@pytest.mark.parametrize(
    ("content", "kind"),
    [
        (PDF, FileKind.PDF),
        (PNG, FileKind.PNG),
        (JPG, FileKind.JPG),
        (b"GIF89a" + bytes(10), FileKind.GIF),
        (DOC, FileKind.DOC),
        (_docx(), FileKind.DOCX),
        ("Техническое задание\nCI/CD, k8s\n".encode(), FileKind.TXT),
        ("Привет".encode("cp1251"), FileKind.TXT),
        (EXE, None),
        (XLS, None),
        (_zip(), None),
    ],
    ids=["pdf", "png", "jpg", "gif", "doc", "docx", "utf8", "cp1251", "exe", "xls", "zip"],
)
def test_sniff_reads_the_magic_bytes(content: bytes, kind: FileKind | None) -> None:
    assert sniff(content) is kind


@pytest.mark.parametrize(
    ("name", "content", "rejection"),
    [
        ("cv.pdf", EXE, Rejection.MISMATCH),
        ("photo.png", PDF, Rejection.MISMATCH),
        ("setup.exe", EXE, Rejection.TYPE),
        ("archive.zip", _zip(), Rejection.TYPE),
        ("notes.txt", b"", Rejection.EMPTY),
        ("big.pdf", PDF + bytes(MB), Rejection.TOO_BIG),
    ],
    ids=["exe-as-pdf", "pdf-as-png", "exe", "zip", "empty", "too-big"],
)
def test_check_refuses_with_a_reason(name: str, content: bytes, rejection: Rejection) -> None:
    with pytest.raises(FileRejected) as caught:
        check(name, content, max_bytes=MB)
    assert caught.value.rejection is rejection


def test_check_accepts_matching_name_and_content() -> None:
    assert check("brief.DOCX", _docx(), max_bytes=MB) is FileKind.DOCX
    assert check("scan.jpeg", JPG, max_bytes=MB) is FileKind.JPG


@pytest.mark.parametrize(
    ("raw", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\me\\Report.PDF", "Report.pdf"),
        (".hidden.txt", "hidden.txt"),
        ("<b>x<i>.pdf", "b_x_i.pdf"),
        ("a/</b>.pdf", "b.pdf"),
        ("ТЗ проекта.docx", "ТЗ проекта.docx"),
        ("evil\u202egnp.exe", "evil_gnp.exe"),
        ("CON.txt", "_CON.txt"),
        ("..", "file"),
        (None, "file"),
        ("a" * 300 + ".pdf", "a" * 96 + ".pdf"),
    ],
)
def test_sanitize_name(raw: str | None, safe: str) -> None:
    assert sanitize_name(raw) == safe


async def _attachments(harness: Harness) -> list[Attachment]:
    async with harness.sessionmaker() as session:
        return list((await session.scalars(select(Attachment).order_by(Attachment.id))).all())


async def test_a_pdf_is_stored_with_its_row_and_the_user_told(
    harness: Harness, files_dir: Path
) -> None:
    update = file_update(harness.session, PDF, name="Brief <v2>.pdf", caption="our brief")
    await harness.dp.feed_update(harness.bot, update)

    (text,) = harness.session.sent_texts()
    assert "Brief _v2.pdf" in text and "Received" in text
    (attachment,) = await _attachments(harness)
    assert attachment.mime_type == "application/pdf"
    assert attachment.size_bytes == len(PDF)
    assert attachment.storage_path is not None
    assert (files_dir / attachment.storage_path).read_bytes() == PDF
    async with harness.sessionmaker() as session:
        row = await session.get(MessageRow, attachment.message_id)
    assert row is not None and row.text == "our brief"


async def test_a_photo_is_stored_as_jpeg(harness: Harness) -> None:
    await harness.dp.feed_update(harness.bot, file_update(harness.session, JPG, photo=True))
    (attachment,) = await _attachments(harness)
    assert attachment.mime_type == "image/jpeg"
    assert attachment.file_name is not None and attachment.file_name.endswith(".jpg")


@pytest.mark.parametrize(
    ("name", "content", "size", "said"),
    [
        ("cv.pdf", EXE, None, "does not match its extension"),
        ("tool.exe", EXE, None, "PDF, DOC, DOCX, JPG, PNG, GIF and TXT"),
        ("huge.pdf", PDF, 11 * MB, "larger than 10 MB"),
    ],
    ids=["mismatch", "type", "too-big"],
)
async def test_a_refused_file_says_why_and_stores_nothing(
    harness: Harness, files_dir: Path, name: str, content: bytes, size: int | None, said: str
) -> None:
    update = file_update(harness.session, content, name=name, size=size)
    await harness.dp.feed_update(harness.bot, update)

    (text,) = harness.session.sent_texts()
    assert "Not accepted" in text and said in text
    assert await _attachments(harness) == []
    assert stored_files(files_dir) == []


async def test_refusal_in_russian(harness: Harness) -> None:
    update = file_update(harness.session, EXE, name="cv.pdf", language_code="ru")
    await harness.dp.feed_update(harness.bot, update)
    (text,) = harness.session.sent_texts()
    assert "Не принят" in text and "не соответствует" in text


async def test_an_album_gets_one_answer_for_all_its_files(harness: Harness) -> None:
    replies = AlbumReplies()  # the production quiet time: items fed one by one stay well inside it
    harness.dp["album_replies"] = replies
    for content, name in ((PDF, "a.pdf"), (PNG, "b.png"), (EXE, "c.pdf")):
        update = file_update(harness.session, content, name=name, media_group_id="album-1")
        await harness.dp.feed_update(harness.bot, update)
    assert harness.session.sent_texts() == []  # nothing until the album is complete
    await replies.drain()

    (text,) = harness.session.sent_texts()
    assert text.count("Received") == 2 and text.count("Not accepted") == 1
    assert len(await _attachments(harness)) == 2


async def test_clamd_refuses_an_infected_file_and_passes_a_clean_one(
    harness: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with FakeClamd() as fake:
        monkeypatch.setenv("CLAMAV_SOCKET", fake.socket)
        harness.rebuild(load_settings())
        infected = file_update(harness.session, EICAR, name="readme.txt")
        await harness.dp.feed_update(harness.bot, infected)
        await harness.dp.feed_update(harness.bot, file_update(harness.session, PDF))

    first, second = harness.session.sent_texts()
    assert "virus scan found" in first
    assert "Received" in second
    assert fake.scanned == [EICAR, PDF]
    assert len(await _attachments(harness)) == 1


async def test_a_configured_clamd_that_is_down_refuses_the_file(
    harness: Harness, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("CLAMAV_SOCKET", str(tmp_path / "no-clamd.ctl"))
    harness.rebuild(load_settings())
    await harness.dp.feed_update(harness.bot, file_update(harness.session, PDF))
    (text,) = harness.session.sent_texts()
    assert "could not check it for viruses" in text
    assert await _attachments(harness) == []


async def test_clamd_over_a_unix_socket(tmp_path: Path) -> None:
    path = str(tmp_path / "clamd.ctl")

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\0")
        while size := int.from_bytes(await reader.readexactly(4), "big"):
            await reader.readexactly(size)
        writer.write(b"stream: OK\0")
        await writer.drain()
        writer.close()

    server = await asyncio.start_unix_server(answer, path)
    async with server:
        assert await clamd.scan(path, PDF * 5000) is None
