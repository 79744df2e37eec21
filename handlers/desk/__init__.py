"""The agents desk: the agents group and the user side."""

from handlers.desk import agents, user

__all__ = ["agents", "user"]
