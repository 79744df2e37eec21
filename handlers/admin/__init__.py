"""/admin commands."""

from handlers.admin import agents, bans

__all__ = ["agents", "bans"]
