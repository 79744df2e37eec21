"""Updates carrying files, for the offline sessions: the bytes are registered so that getFile
and the download find them."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from aiogram.types import Update

from bot.offline_session import OfflineSession
from tests.fakes.recording import FIRST_NAME, USER_ID, USERNAME

# Magic bytes of the allowed types, enough for the checks.
PDF = b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\0\0\0\rIHDR" + bytes(17)
JPG = b"\xff\xd8\xff\xe0\0\x10JFIF\0" + bytes(32)
EXE = b"MZ\x90\0\x03\0\0\0\x04\0\0\0\xff\xff\0\0" + bytes(48)
# The standard antivirus test string (harmless by design; every scanner reports it).
EICAR = rb"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"


def file_update(
    session: OfflineSession,
    content: bytes,
    *,
    name: str | None = "file.pdf",
    photo: bool = False,
    size: int | None = None,
    caption: str | None = None,
    media_group_id: str | None = None,
    user_id: int = USER_ID,
    language_code: str = "en",
) -> Update:
    """A private message from the user with a document (or a photo) whose bytes are `content`."""
    serial = session.next_update_id()
    file_id = f"upload-{serial}"
    session.files[file_id] = content
    sender = {
        "id": user_id,
        "is_bot": False,
        "first_name": FIRST_NAME,
        "username": USERNAME,
        "language_code": language_code,
    }
    message: dict[str, Any] = {
        "message_id": session.next_message_id(user_id),
        "date": int(time.time()),
        "chat": {"id": user_id, "type": "private", "first_name": FIRST_NAME},
        "from": sender,
    }
    described = {
        "file_id": file_id,
        "file_unique_id": f"u{serial}",
        "file_size": len(content) if size is None else size,
    }
    if photo:
        message["photo"] = [{**described, "width": 800, "height": 600}]
    else:
        message["document"] = {**described, **({"file_name": name} if name else {})}
    if caption is not None:
        message["caption"] = caption
    if media_group_id is not None:
        message["media_group_id"] = media_group_id
    return Update.model_validate({"update_id": serial, "message": message})


def stored_files(directory: Path) -> list[Path]:
    """Every file under `directory` (none when it does not exist)."""
    return sorted(p for p in directory.rglob("*") if p.is_file()) if directory.exists() else []
