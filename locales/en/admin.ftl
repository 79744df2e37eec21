## /admin: commands for admins in a private chat with the bot
admin-help =
    <b>Admin commands</b>
    /admin ban USER [DURATION] [reason] — block a user (USER: id or @username; DURATION: 30m, 12h, 7d, 2w; none: for good)
    /admin unban USER — lift a ban
    /admin bans — who is blocked now
    /admin agent add|remove|role … — manage agents
    /admin gdpr export|delete USER — a user's data: send it, or erase it
    /admin broadcast all|leads|clients [text] — a message to a segment (a preview and a Send button first); /admin broadcast stop stops it
    /admin llm — today's LLM calls and cost against the budgets
    /admin quota [set|reset NAME VALUE] — the LLM budgets: see and change them
    /admin stats [7d|30d] — conversations, leads, hand-offs, LLM cost and agents' times
    /admin leads [hot|warm|cold] — the newest leads: card, conversation, CSV of all
    /admin experiments [7d|30d] — A/B tests of answers and prompts: people, conversions, significance
    /admin dashboard — a one-time sign-in link to the web dashboard
admin-llm-off = No LLM is configured (LONGCAT_API_KEY): every answer comes from the knowledge base.
admin-llm-title = <b>LLM today</b> (UTC day)
admin-llm-line = • { $purpose }: { $calls } calls, ${ $cost }
admin-llm-purpose-answer = answers to people
admin-llm-purpose-conversation-summary = running summaries
admin-llm-purpose-escalation-prep = hand-off notes
admin-llm-purpose-agent-copilot = agents' drafts
admin-llm-spent = Spent ${ $spent } of ${ $budget } ({ $percent }%)
admin-llm-limits = Limits: { $session } answers per conversation, { $daily } per person a day; desk: { $ticket } per ticket a day, { $desk } a day in all
admin-denied = Sorry, this command is for admins only.
admin-unknown = There is no /admin subcommand “{ $name }”. Send /admin for the list.
admin-ban-usage = Usage: /admin ban USER [DURATION] [reason], e.g. /admin ban @name 24h flooding. Without a duration the ban is permanent.
admin-unban-usage = Usage: /admin unban USER (a numeric id or @username).
admin-user-unknown = I don't know the user { $user }: they have never written to the bot. A numeric id works for people who have not written yet.
admin-ban-staff = Agents and admins cannot be banned; remove their role first.
admin-ban-done-temporary = 🚫 { $user } is blocked until { $until } UTC.
admin-ban-done-permanent = 🚫 { $user } is blocked permanently.
admin-unban-done = ✅ { $user } is unblocked.
admin-unban-not-banned = { $user } was not blocked.
admin-bans-empty = Nobody is blocked right now.
admin-bans-title = <b>Blocked users</b> ({ $count }):
admin-bans-line-temporary = • { $user } until { $until } UTC: { $reason }
admin-bans-line-permanent = • { $user } permanently: { $reason }
admin-bans-no-reason = no reason given
