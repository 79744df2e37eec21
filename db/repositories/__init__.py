"""Queries live here: one repository per aggregate, each over an AsyncSession."""

from db.repositories.conversations import ConversationRepository
from db.repositories.users import UserRepository

__all__ = ["ConversationRepository", "UserRepository"]
