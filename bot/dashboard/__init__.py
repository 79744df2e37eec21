"""The admins' web dashboard under /dashboard/ (issue 15): KPIs with a chart, conversations,
leads with their CSV, tickets with their SLA figures, and live updates.

Sign-in has no password: `/admin dashboard` gives an admin a signed one-time link (links.py),
which opens a server-side session kept in the kv store (sessions.py); pages are rendered on the
server with autoescaped Jinja templates (pages.py), and new conversations and tickets reach open
pages over server-sent events (live.py).
"""
