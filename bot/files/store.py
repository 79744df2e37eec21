"""Files users send: checked, scanned and stored on disk, with an `attachments` row each.

A file is accepted when it is at most FILE_MAX_MB, its extension is on the allow-list (PDF, DOC,
DOCX, JPG, PNG, GIF, TXT, and MP4, M4A, OGG, MP3 for video, voice and audio messages) and its
content's magic bytes say the same type: a program renamed to `cv.pdf` is refused. Names are
sanitised before they touch the disk or a message. With CLAMAV_SOCKET set, clamd scans the
content first; when clamd cannot answer the file is refused (a scanner the operator asked for is
not skipped silently). The type check and the checksum read the whole content (up to 20 MB):
they run in a worker thread, never on the event loop.

`receive_file(...)` is the one entry point for the bot's handlers and the agents' desk relay.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import io
import os
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import Message as TelegramMessage
from aiohttp import ClientError
from loguru import logger
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config import FileSettings
from bot.files import clamd
from bot.kernel.metrics import FILES
from db.models import Attachment


class FileKind(StrEnum):
    PDF = "pdf"
    DOC = "doc"
    DOCX = "docx"
    JPG = "jpg"
    PNG = "png"
    GIF = "gif"
    TXT = "txt"
    MP4 = "mp4"
    M4A = "m4a"
    OGG = "ogg"
    MP3 = "mp3"


EXTENSIONS = {
    ".pdf": FileKind.PDF,
    ".doc": FileKind.DOC,
    ".docx": FileKind.DOCX,
    ".jpg": FileKind.JPG,
    ".jpeg": FileKind.JPG,
    ".png": FileKind.PNG,
    ".gif": FileKind.GIF,
    ".txt": FileKind.TXT,
    ".mp4": FileKind.MP4,
    ".m4a": FileKind.M4A,
    ".ogg": FileKind.OGG,
    ".oga": FileKind.OGG,
    ".mp3": FileKind.MP3,
}
MIME_TYPES = {
    FileKind.PDF: "application/pdf",
    FileKind.DOC: "application/msword",
    FileKind.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    FileKind.JPG: "image/jpeg",
    FileKind.PNG: "image/png",
    FileKind.GIF: "image/gif",
    FileKind.TXT: "text/plain",
    FileKind.MP4: "video/mp4",
    FileKind.M4A: "audio/mp4",
    FileKind.OGG: "audio/ogg",
    FileKind.MP3: "audio/mpeg",
}
# One container (ISO base media, "ftyp") holds video (.mp4) and audio (.m4a).
SNIFFED_AS = {FileKind.M4A: FileKind.MP4}
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Excel and PowerPoint files are OLE2 too; a Word file has this stream in its directory.
WORD_STREAM = "WordDocument".encode("utf-16-le")
NAME_LIMIT = 100
WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10))}
WINDOWS_RESERVED |= {f"LPT{i}" for i in range(10)}
# The directories `FileStore.save` makes: one per user id.
USER_DIR = re.compile(r"-?[0-9]+")


class Rejection(StrEnum):
    """Why a file was refused; each has a message (files-rejected-<value>) in every language."""

    TOO_BIG = "too-big"
    EMPTY = "empty"
    TYPE = "type"
    MISMATCH = "mismatch"
    INFECTED = "infected"
    SCAN_FAILED = "scan-failed"
    DOWNLOAD = "download"


@dataclass(frozen=True)
class Outcome:
    """One file's fate: `attachment` when accepted, `rejection` when not."""

    name: str
    attachment: Attachment | None = None
    rejection: Rejection | None = None

    @property
    def accepted(self) -> bool:
        return self.attachment is not None


class FileRejected(Exception):
    def __init__(self, rejection: Rejection) -> None:
        super().__init__(rejection.value)
        self.rejection = rejection


def sniff(content: bytes) -> FileKind | None:
    """The allowed type the content's magic bytes show, or None."""
    if content.startswith(b"%PDF-"):
        return FileKind.PDF
    if content.startswith(b"\xff\xd8\xff"):
        return FileKind.JPG
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return FileKind.PNG
    if content.startswith((b"GIF87a", b"GIF89a")):
        return FileKind.GIF
    if content.startswith(OLE2):
        return FileKind.DOC if WORD_STREAM in content else None
    if content.startswith(b"PK\x03\x04"):
        return FileKind.DOCX if _is_docx(content) else None
    if content[4:8] == b"ftyp":
        return FileKind.MP4
    if content.startswith(b"OggS"):
        return FileKind.OGG
    if content.startswith(b"ID3") or _mpeg_audio_frame(content):
        return FileKind.MP3
    return FileKind.TXT if _is_text(content) else None


def _mpeg_audio_frame(content: bytes) -> bool:
    # An MPEG audio frame: 11 sync bits, and a layer other than the reserved 00.
    return (
        len(content) > 1
        and content[0] == 0xFF
        and content[1] & 0xE0 == 0xE0
        and bool(content[1] & 0x06)
    )


def _is_docx(content: bytes) -> bool:
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError):
        return False
    return "[Content_Types].xml" in names and "word/document.xml" in names


_NOT_CONTROL = bytes(range(0x20, 0x100)) + b"\t\n\r\f\x1b"


def _is_text(content: bytes) -> bool:
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):  # UTF-16 with a byte order mark
        try:
            content.decode("utf-16")
        except UnicodeDecodeError:
            return False
        return True
    if b"\0" in content:
        return False
    # UTF-8 or a legacy 8-bit code page (cp1251 is common): letters, not control bytes. Counted
    # by deleting every other byte (in C), not byte by byte in Python: a file has 20 MB.
    controls = len(content.translate(None, _NOT_CONTROL))
    return controls <= len(content) // 100


def sanitize_name(name: str | None, fallback: str = "file") -> str:
    """A file name safe on any disk and in a message: no path, no control or markup characters,
    no leading dot, at most NAME_LIMIT characters, the extension kept and lower-cased."""
    text = unicodedata.normalize("NFKC", name or "")
    text = text.replace("\\", "/").rsplit("/", 1)[-1]
    text = "".join(ch if ch.isalnum() or ch in "._- " else "_" for ch in text)
    text = re.sub(r"_{2,}", "_", re.sub(r"\s+", " ", text)).strip(" ._-")
    stem, extension = os.path.splitext(text)
    extension = extension.lower() if re.fullmatch(r"\.[a-z0-9]{1,8}", extension.lower()) else ""
    if not extension:
        stem = text
    stem = stem.strip(" ._-")[: NAME_LIMIT - len(extension)] or fallback
    if stem.upper() in WINDOWS_RESERVED:
        stem = f"_{stem}"
    return stem + extension


def check(name: str, content: bytes, max_bytes: int) -> FileKind:
    """The file's type when the name and the content agree on an allowed one; else raises."""
    if len(content) > max_bytes:
        raise FileRejected(Rejection.TOO_BIG)
    if not content:
        raise FileRejected(Rejection.EMPTY)
    expected = EXTENSIONS.get(os.path.splitext(name)[1].lower())
    if expected is None:
        raise FileRejected(Rejection.TYPE)
    if sniff(content) is not SNIFFED_AS.get(expected, expected):
        raise FileRejected(Rejection.MISMATCH)
    return expected


def examine(name: str, content: bytes, max_bytes: int) -> tuple[FileKind, str]:
    """`check`, and the content's SHA-256: the blocking part of an upload, for a thread."""
    return check(name, content, max_bytes), hashlib.sha256(content).hexdigest()


class FileStore:
    """The upload directory: one sub-directory per user, files named <random>_<safe name>."""

    def __init__(self, settings: FileSettings) -> None:
        self.settings = settings
        self.root = settings.files_dir.resolve()

    async def scan(self, content: bytes) -> None:
        if self.settings.clamav_socket is None:
            return
        try:
            found = await clamd.scan(self.settings.clamav_socket, content)
        except clamd.ScanError as exc:
            logger.error("virus scan failed: {}", exc)
            raise FileRejected(Rejection.SCAN_FAILED) from None
        if found is not None:
            logger.warning("virus scan: {} found in an upload; refused", found)
            raise FileRejected(Rejection.INFECTED)

    async def save(self, user_id: int, name: str, content: bytes) -> str:
        """Write the file; return its path relative to the upload directory."""
        relative = f"{int(user_id)}/{uuid.uuid4().hex[:12]}_{name}"
        await asyncio.to_thread(self._write, self.root / relative, content)
        return relative

    @staticmethod
    def _write(path: Path, content: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(path.name + ".part")
        partial.write_bytes(content)
        partial.chmod(0o640)
        os.replace(partial, path)

    def path(self, relative: str) -> Path | None:
        """The absolute path of a stored file, None for anything outside the directory."""
        path = (self.root / relative).resolve()
        return path if path.is_relative_to(self.root) and path != self.root else None

    def remove(self, relative: str | None) -> bool:
        path = self.path(relative) if relative else None
        if path is None:
            return False
        path.unlink(missing_ok=True)
        return True

    def remove_user_dir(self, user_id: int) -> None:
        """Delete whatever is left in a user's directory (GDPR erasure)."""
        directory = self.root / str(int(user_id))
        if not directory.is_dir():
            return
        for path in sorted(directory.rglob("*"), reverse=True):
            if path.is_dir():
                path.rmdir()
            else:
                path.unlink(missing_ok=True)
        directory.rmdir()

    def sweep(self, keep: set[str], before: float) -> int:
        """Remove the files in user directories that are not in `keep` (relative paths) and
        were last changed before `before` (a timestamp), `.part` leftovers of `_write` too, then
        the user directories this leaves empty; returns how many files went. Anything else
        under the root is not the store's and stays."""
        removed = 0
        for directory in self.root.iterdir() if self.root.is_dir() else []:
            if not USER_DIR.fullmatch(directory.name) or not _real_dir(directory):
                continue
            # Read before this sweep changes it: a directory an upload has just made is fresh.
            untouched = directory.stat().st_mtime < before
            for path in directory.iterdir():
                relative = f"{directory.name}/{path.name}"
                if relative in keep or path.is_dir() or path.lstat().st_mtime >= before:
                    continue
                path.unlink(missing_ok=True)
                removed += 1
            if untouched:
                try:
                    directory.rmdir()
                except OSError as exc:  # not empty: a file kept, or an upload just begun
                    if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                        raise
        return removed


def _real_dir(path: Path) -> bool:
    return path.is_dir() and not path.is_symlink()


@dataclass(frozen=True)
class Upload:
    """What Telegram says about a file before we download it."""

    file_id: str
    unique_id: str
    name: str
    size: int | None


# Messages carrying a file other than a document or a photo: (attribute, name stem, extension
# when Telegram gives neither a name nor a MIME type we know).
MEDIA = (
    ("video", "video", ".mp4"),
    ("animation", "animation", ".mp4"),
    ("video_note", "video", ".mp4"),
    ("voice", "voice", ".ogg"),
    ("audio", "audio", ".mp3"),
)
_EXTENSION_OF_MIME = {
    "video/mp4": ".mp4",
    "audio/mp4": ".m4a",
    "audio/m4a": ".m4a",
    "audio/x-m4a": ".m4a",
    "audio/ogg": ".ogg",
    "audio/mpeg": ".mp3",
    "audio/mp3": ".mp3",
}


def upload_of(message: TelegramMessage) -> Upload | None:
    """The document, the largest size of the photo, or the video, animation, video note,
    voice or audio the message carries: every file passes the same checks."""
    if message.document is not None:
        document = message.document
        name = sanitize_name(document.file_name, fallback="document")
        return Upload(document.file_id, document.file_unique_id, name, document.file_size)
    if message.photo:
        photo = max(message.photo, key=lambda size: (size.file_size or 0, size.width))
        # Telegram re-encodes photos as JPEG.
        name = f"photo_{sanitize_name(photo.file_unique_id, fallback='image')}.jpg"
        return Upload(photo.file_id, photo.file_unique_id, name, photo.file_size)
    for attribute, stem, default in MEDIA:
        media = getattr(message, attribute)
        if media is None:
            continue
        given = getattr(media, "file_name", None)
        if given:
            name = sanitize_name(given, fallback=stem)
        else:
            mime = (getattr(media, "mime_type", None) or "").lower()
            unique = sanitize_name(media.file_unique_id, fallback="file")
            name = f"{stem}_{unique}{_EXTENSION_OF_MIME.get(mime, default)}"
        return Upload(media.file_id, media.file_unique_id, name, media.file_size)
    return None


async def receive_file(
    bot: Bot,
    session: AsyncSession,
    settings: FileSettings,
    *,
    user_id: int,
    message: TelegramMessage,
    conversation_id: int | None = None,
    message_row_id: int | None = None,
) -> Outcome | None:
    """Download, check, scan and store the file of `message`; None when it carries none.

    On acceptance the Attachment row is added to `session` (flushed, not committed); a refusal
    is an Outcome with its reason, never an exception.
    """
    upload = upload_of(message)
    if upload is None:
        return None
    store = FileStore(settings)
    try:
        if upload.size is not None and upload.size > settings.max_bytes:
            raise FileRejected(Rejection.TOO_BIG)  # refused before downloading it
        if os.path.splitext(upload.name)[1] not in EXTENSIONS:
            raise FileRejected(Rejection.TYPE)
        content = await _download(bot, upload.file_id)
        # Off the event loop: the type check and the checksum read all of up to 20 MB.
        kind, sha256 = await asyncio.to_thread(examine, upload.name, content, settings.max_bytes)
        await store.scan(content)
    except FileRejected as exc:
        FILES.labels(exc.rejection.value).inc()
        logger.info("upload refused: {}", exc.rejection.value)
        return Outcome(upload.name, rejection=exc.rejection)
    relative = await store.save(user_id, upload.name, content)
    attachment = Attachment(
        user_id=user_id,
        conversation_id=conversation_id,
        message_id=message_row_id,
        telegram_file_id=upload.file_id,
        file_unique_id=upload.unique_id,
        file_name=upload.name,
        mime_type=MIME_TYPES[kind],
        size_bytes=len(content),
        sha256=sha256,
        storage_path=relative,
    )
    session.add(attachment)
    await session.flush()
    FILES.labels("accepted").inc()
    logger.info("upload accepted: attachment {} ({}, {} bytes)", attachment.id, kind, len(content))
    return Outcome(upload.name, attachment=attachment)


async def _download(bot: Bot, file_id: str) -> bytes:
    buffer = io.BytesIO()
    try:
        file = await bot.get_file(file_id)
        if file.file_path is None:
            raise FileRejected(Rejection.DOWNLOAD)
        await bot.download_file(file.file_path, destination=buffer)
    except TelegramAPIError as exc:
        # "file is too big" is the Bot API's 20 MB download limit.
        too_big = "too big" in exc.message.lower()
        raise FileRejected(Rejection.TOO_BIG if too_big else Rejection.DOWNLOAD) from None
    except (ClientError, TimeoutError) as exc:
        logger.warning("file download failed: {}", type(exc).__name__)
        raise FileRejected(Rejection.DOWNLOAD) from None
    return buffer.getvalue()
