"""Every lead as CSV, for the sales team's spreadsheet.

Cells are made safe to open in Excel or Google Sheets: a client can type "=HYPERLINK(...)" as
their company, and a spreadsheet would run it as a formula. Text starting with = + - @ (or a tab
or carriage return, which some spreadsheets skip before looking) gets a leading apostrophe, the
usual "this is text" marker. Numbers are written as they are.
"""

from __future__ import annotations

import csv
import json
from datetime import datetime
from typing import Any, TextIO

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Lead
from db.repositories.leads import LeadRepository

COLUMNS = (
    "id",
    "created_at",
    "updated_at",
    "status",
    "score",
    "score_points",
    "project_type",
    "timeline",
    "budget",
    "name",
    "email",
    "company",
    "phone",
    "username",
    "user_id",
    "source",
    "language",
    "description",
    "entities",
    "conversation_id",
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


async def export_csv(session: AsyncSession, out: TextIO) -> int:
    """Write every lead, newest first, with a header row; return the number of leads written.

    Open `out` with newline="" (the csv module writes its own line endings).
    """
    repo = LeadRepository(session)
    leads = await repo.all_newest_first()
    usernames = await repo.lead_usernames()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for lead in leads:
        writer.writerow([_safe(value) for value in _row(lead, usernames.get(lead.user_id))])
    return len(leads)


def _row(lead: Lead, username: str | None) -> list[Any]:
    values: dict[str, Any] = {
        "created_at": _iso(lead.created_at),
        "updated_at": _iso(lead.updated_at),
        "username": username,
        "entities": json.dumps(lead.entities, ensure_ascii=False) if lead.entities else None,
    }
    return [values[c] if c in values else getattr(lead, c) for c in COLUMNS]


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return moment.isoformat()


def _safe(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value
