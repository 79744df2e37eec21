"""Broadcasts (`/admin broadcast`): one admin's message to a segment of the people the bot talks
to, paced within Telegram's limits, resumable after a restart, with an opt-out on every message.

pacing.py   at most N messages a second, and flood waits that hold every send (no aiogram)
keyboard.py the "Stop these messages" button every broadcast message carries
sender.py   one broadcast walked from its cursor, batch by batch
runner.py   the background task that sends what is queued, one replica at a time
"""
