"""The FAQ conversation: its handlers (conversation.py) and keyboards (keyboards.py, which the
consultation uses too; this file imports neither, so that importing the keyboards does not
import the handlers)."""
