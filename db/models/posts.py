"""What the bot posted about a user in the agents' group outside their own topic (lead cards in
the Leads topic, notes in a plain group), so that erasing the user can delete it there too."""

from __future__ import annotations

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from db.base import Base, BigIntPK, TimestampMixin


class GroupPost(TimestampMixin, Base):
    __tablename__ = "group_posts"

    id: Mapped[int] = mapped_column(BigIntPK, primary_key=True)
    user_id: Mapped[int] = mapped_column(
        BigInteger, ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[int] = mapped_column(BigInteger)
    # The topic it is in (the Leads topic), None in a plain group or the General topic.
    thread_id: Mapped[int | None] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))  # "lead", "note": what it was, no content
