"""`python -m bot leads --csv`: every lead as CSV on standard output."""

from __future__ import annotations

import asyncio
import csv
import io
from pathlib import Path

import pytest

from bot.__main__ import main
from db import migrate
from db.engine import create_engine, create_sessionmaker
from db.models import Lead, LeadScore, User


async def test_leads_csv_exports_the_stored_leads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path}/bot.sqlite3"
    engine = create_engine(url)
    await migrate.upgrade(engine)
    async with create_sessionmaker(engine)() as session:
        session.add(User(id=5, first_name="Ann", username="ann", language="en"))
        await session.flush()
        session.add(Lead(user_id=5, name="=cmd()", email="ann@example.com", budget="gt150k",
                         score=LeadScore.HOT, score_points=80))  # fmt: skip
        await session.commit()
    await engine.dispose()
    monkeypatch.setenv("DATABASE_URL", url)

    code = await asyncio.to_thread(main, ["leads", "--csv"])
    assert code == 0
    captured = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(captured.out)))
    assert len(rows) == 1
    assert rows[0]["email"] == "ann@example.com"
    assert rows[0]["score"] == "hot"
    assert rows[0]["name"].startswith("'")  # no formula injection in spreadsheets
    assert "1 lead(s) exported" in captured.err
