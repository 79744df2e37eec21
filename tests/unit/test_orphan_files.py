"""Orphan files: an upload is written before its row is committed, so a rolled-back transaction
or a crash leaves a file no row points at; retention's sweep removes it once it is old enough."""

from __future__ import annotations

import os
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import FileSettings
from bot.files.store import FileStore
from bot.privacy.retention import ORPHAN_GRACE, delete_orphan_files
from db.base import utcnow
from tests.fakes.uploads import PDF, stored_files, stored_uploads

HOUR = 3600.0


def _age(path: Path, seconds: float) -> None:
    then = time.time() - seconds
    os.utime(path, (then, then))


def _file(path: Path, age: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(PDF)
    _age(path, age)
    return path


def test_the_sweep_takes_old_unreferenced_files_and_the_directories_it_empties(
    tmp_path: Path,
) -> None:
    store = FileStore(FileSettings(files_dir=tmp_path))
    kept = _file(tmp_path / "7" / "aaaa_kept.pdf", 2 * HOUR)
    fresh = _file(tmp_path / "7" / "bbbb_fresh.pdf.part", 60)  # an upload being written
    orphans = [
        _file(tmp_path / "7" / "cccc_lost.pdf", 2 * HOUR),
        _file(tmp_path / "7" / "dddd_lost.pdf.part", 2 * HOUR),
        _file(tmp_path / "8" / "eeee_alone.pdf", 2 * HOUR),
    ]
    _age(tmp_path / "8", 2 * HOUR)
    (tmp_path / "9").mkdir()  # empty, but just made: an upload may be about to write in it
    not_ours = [_file(tmp_path / "notes.txt", 2 * HOUR), _file(tmp_path / "tmp" / "x", 2 * HOUR)]

    assert store.sweep({"7/aaaa_kept.pdf"}, time.time() - HOUR) == len(orphans)

    assert stored_files(tmp_path) == sorted([kept, fresh, *not_ours])
    assert not (tmp_path / "8").exists()
    assert (tmp_path / "9").is_dir()
    assert store.sweep({"7/aaaa_kept.pdf"}, time.time() - HOUR) == 0  # nothing more to do


def test_the_sweep_of_a_store_not_made_yet_does_nothing(tmp_path: Path) -> None:
    assert FileStore(FileSettings(files_dir=tmp_path / "none")).sweep(set(), time.time()) == 0


async def test_a_rolled_back_upload_is_swept_once_older_than_the_grace(
    sessionmaker: async_sessionmaker[AsyncSession], tmp_path: Path
) -> None:
    store = FileStore(FileSettings(files_dir=tmp_path / "files"))
    uploads = await stored_uploads(sessionmaker, store)

    assert await delete_orphan_files(sessionmaker, store, utcnow() - ORPHAN_GRACE) == 2
    assert stored_files(store.root) == sorted([uploads.fresh, uploads.kept])

    later = utcnow() + timedelta(minutes=5)  # the fresh one is old enough then
    assert await delete_orphan_files(sessionmaker, store, later) == 1
    assert stored_files(store.root) == [uploads.kept]
