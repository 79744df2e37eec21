"""Updates carrying files, for the offline sessions: the bytes are registered so that getFile
and the download find them; and stored files, some of them orphans, for the sweep's tests."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiogram.types import Update
from aiogram.types import User as TelegramUser
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.files.store import FileStore
from bot.telegram.offline_session import OfflineSession
from db.models import Attachment, User
from tests.fakes.recording import FIRST_NAME, USER_ID, USERNAME

# Magic bytes of the allowed types, enough for the checks.
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR" + bytes(17)
JPG = b"\xff\xd8\xff\xe0\0\x10JFIF\0" + bytes(32)
MP4 = b"\0\0\0\x18ftypmp42\0\0\0\0mp42isom" + bytes(32)
OGG = b"OggS\0\x02" + bytes(22) + b"\x01\x13OpusHead" + bytes(16)
MP3 = b"ID3\x04\0\0\0\0\0\0" + b"\xff\xfb\x90\x64" + bytes(32)
EXE = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0" + bytes(48)
# The standard antivirus test string (harmless by design; every scanner reports it).
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def file_update(
    session: OfflineSession,
    content: bytes,
    *,
    name: str | None = "file.pdf",
    photo: bool = False,
    media: str | None = None,
    mime_type: str | None = None,
    size: int | None = None,
    caption: str | None = None,
    media_group_id: str | None = None,
    user_id: int = USER_ID,
    language_code: str = "en",
) -> Update:
    """A private message from the user with a document (or a photo, or `media`: "video",
    "voice", "audio", "video_note", "animation") whose bytes are `content`; the session stores
    the message too, as Telegram would (so copyMessage finds it)."""
    serial = session.next_update_id()
    file_id = f"upload-{serial}"
    session.files[file_id] = content
    sender = TelegramUser(
        id=user_id,
        is_bot=False,
        first_name=FIRST_NAME,
        username=USERNAME,
        language_code=language_code,
    )
    described: dict[str, Any] = {
        "file_id": file_id,
        "file_unique_id": f"u{serial}",
        "file_size": len(content) if size is None else size,
    }
    fields: dict[str, Any] = {}
    if mime_type is not None:
        described["mime_type"] = mime_type
    if photo:
        fields["photo"] = [{**described, "width": 800, "height": 600}]
    elif media in ("video", "animation"):
        shape = {"width": 640, "height": 360, "duration": 5}
        fields[media] = {**described, **shape, **({"file_name": name} if name else {})}
    elif media == "video_note":
        fields[media] = {**described, "length": 240, "duration": 5}
    elif media == "voice":
        fields[media] = {**described, "duration": 3}
    elif media == "audio":
        fields[media] = {**described, "duration": 60, **({"file_name": name} if name else {})}
    else:
        fields["document"] = {**described, **({"file_name": name} if name else {})}
    if caption is not None:
        fields["caption"] = caption
    if media_group_id is not None:
        fields["media_group_id"] = media_group_id
    return session.message_update(None, user=sender, update_id=serial, extra=fields)


def stored_files(directory: Path) -> list[Path]:
    """Every file under `directory` (none when it does not exist)."""
    return sorted(p for p in directory.rglob("*") if p.is_file()) if directory.exists() else []


@dataclass(frozen=True)
class StoredUploads:
    orphan: Path  # its transaction rolled back two hours ago
    partial: Path  # a `.part` a crash left two hours ago
    fresh: Path  # rolled back just now: to the sweep, maybe an upload still on its way
    kept: Path  # committed two hours ago


async def stored_uploads(
    sessionmaker: async_sessionmaker[AsyncSession], store: FileStore, user_id: int = USER_ID
) -> StoredUploads:
    """The user's files as `FileStore.save` wrote them, each in a handler-like transaction."""
    async with sessionmaker() as session:
        session.add(User(id=user_id, first_name=FIRST_NAME))
        await session.commit()
    paths: dict[str, Path] = {}
    for name, commit in (("orphan.pdf", False), ("fresh.pdf", False), ("kept.pdf", True)):
        async with sessionmaker() as session:
            relative = await store.save(user_id, name, PDF)
            session.add(Attachment(user_id=user_id, telegram_file_id=name, storage_path=relative))
            await session.flush()
            if commit:
                await session.commit()
            else:  # the handler failed after the file was written
                await session.rollback()
        paths[name] = store.root / relative
    partial = paths["orphan.pdf"].with_name("0123abcd_cv.pdf.part")
    partial.write_bytes(PDF[:5])
    two_hours_ago = time.time() - 2 * 3600
    for path in (paths["orphan.pdf"], partial, paths["kept.pdf"]):
        os.utime(path, (two_hours_ago, two_hours_ago))
    return StoredUploads(paths["orphan.pdf"], partial, paths["fresh.pdf"], paths["kept.pdf"])
