## The admins' web dashboard (bot/dashboard) and /admin dashboard
dashboard-admin-link =
    <b>Dashboard</b>: your sign-in link, for you alone. It works once and expires in 10 minutes:
    { $url }
    Send /admin dashboard again for a new one.
dashboard-admin-off = The web dashboard is not set up: the operator sets DASHBOARD_URL (the public address of the bot's HTTP server) and BOT_TOKEN to turn it on.
dashboard-name = DevBot dashboard
dashboard-nav-kpis = KPIs
dashboard-nav-conversations = Conversations
dashboard-nav-leads = Leads
dashboard-nav-tickets = Tickets
dashboard-sign-out = Sign out
dashboard-filter-ignored = Some filters were not understood and were left out: { $names }.
dashboard-nothing-found = Nothing here.
dashboard-any = any
dashboard-yes = yes
dashboard-no = no
dashboard-show = Show
dashboard-back = ← Back to the conversations
dashboard-previous = ← Newer
dashboard-next = Older →
dashboard-since = From
dashboard-until = To
dashboard-minutes = { $minutes } min
dashboard-hours = { $hours } h { $minutes } min
dashboard-period = Period
dashboard-period-1d = last 24 hours
dashboard-period-7d = last 7 days
dashboard-period-30d = last 30 days
dashboard-kpis-title = Key figures
dashboard-kpi-conversations = Conversations
dashboard-kpi-people = { $count ->
    [one] one person
   *[other] { $count } people
}
dashboard-kpi-leads = Leads
dashboard-kpi-conversion = Lead conversion
dashboard-kpi-conversion-target = target: at least 25%
dashboard-kpi-handoff = Hand-off to people
dashboard-kpi-handoff-target = target: 10–20%
dashboard-kpi-bot-only = Answered by the bot alone
dashboard-kpi-cost = LLM cost per conversation
dashboard-kpi-cost-total = ${ $cost } for { $answers ->
    [one] one LLM answer
   *[other] { $answers } LLM answers
}; target: under $0.15
dashboard-kpi-csat = Satisfaction (1–5)
dashboard-kpi-csat-ratings = { $count ->
    [one] one rating
   *[other] { $count } ratings
}
dashboard-kpi-intake = Intakes completed / started
dashboard-kpi-intake-sub = project intake funnel
dashboard-chart-title = Per day: conversations, leads and hand-offs
dashboard-series-conversations = conversations
dashboard-series-leads = leads
dashboard-series-handoffs = hand-offs
dashboard-by-source = By source
dashboard-no-source = (no deep link)
dashboard-handoff-reasons = Why people were handed over
dashboard-score-hot = hot
dashboard-score-warm = warm
dashboard-score-cold = cold
dashboard-conversations-title = Conversations
dashboard-search = Search
dashboard-search-hint = text, name, @username or e-mail
dashboard-search-button = Search
dashboard-live-note = New conversations appear here as they start.
dashboard-col-conversation = Conversation
dashboard-col-started = Started
dashboard-col-person = Person
dashboard-col-status = Status
dashboard-col-source = Source
dashboard-col-messages = Messages
dashboard-col-escalated = Handed over
dashboard-col-last-message = Last message
dashboard-col-language = Language
dashboard-status-bot = with the bot
dashboard-status-escalated = with the agents
dashboard-status-closed = closed
dashboard-status-archived = archived
dashboard-conversation-title = Conversation #{ $id }
dashboard-summary = Summary (LLM)
dashboard-history = History
dashboard-sender-user = Person
dashboard-sender-bot = Bot
dashboard-sender-agent = Agent
dashboard-sender-system = System
dashboard-intent = intent { $intent } ({ $confidence })
dashboard-answer-source = answered from { $source }
dashboard-text-removed = (text removed by the retention policy)
dashboard-llm-model = Model
dashboard-llm-prompt = Prompt version
dashboard-llm-tokens = Tokens
dashboard-llm-tokens-value = { $prompt } in ({ $cached } cached), { $completion } out
dashboard-llm-latency = Latency
dashboard-llm-cost = Cost
dashboard-llm-confidence = Confidence
dashboard-missing-title = Not found
dashboard-missing-text = There is no such conversation, or its person asked to be forgotten.
dashboard-leads-title = Leads
dashboard-leads-search-hint = name, e-mail or company
dashboard-export-csv = Export these leads as CSV
dashboard-leads-count = { $count ->
    [one] one lead
   *[other] { $count } leads
}
dashboard-col-lead = Lead
dashboard-col-created = Created
dashboard-col-name = Name
dashboard-col-email = E-mail
dashboard-col-company = Company
dashboard-col-project = Project
dashboard-col-budget = Budget
dashboard-col-score = Score
dashboard-lead-new = new
dashboard-lead-contacted = contacted
dashboard-lead-qualified = qualified
dashboard-lead-won = won
dashboard-lead-lost = lost
dashboard-tickets-title = Tickets
dashboard-live-note-tickets = New tickets appear here as they open.
dashboard-agents-title = Agents
dashboard-agents-period = Agents' figures over
dashboard-sla-promise = Medians over the tickets opened in the period. The promised first reply in business hours: { $minutes } min.
dashboard-col-agent = Agent
dashboard-col-tickets = Tickets
dashboard-col-median-claim = Median time to claim
dashboard-col-median-reply = Median time to first reply
dashboard-col-median-close = Median time to close
dashboard-col-ticket = Ticket
dashboard-col-opened = Opened
dashboard-col-priority = Priority
dashboard-col-reason = Reason
dashboard-col-to-claim = To claim
dashboard-col-to-reply = To first reply
dashboard-col-to-close = To close
dashboard-col-sla = First reply
dashboard-col-rating = Rating
dashboard-ticket-open = open
dashboard-ticket-claimed = claimed
dashboard-ticket-closed = closed
dashboard-sla-ok = in time
dashboard-sla-late = late
dashboard-sla-waiting = waiting
dashboard-login-title = Sign in to the dashboard
dashboard-login-text = This link is yours and works once. Press the button to sign in on this device.
dashboard-login-button = Sign in
dashboard-signin-title = How to sign in
dashboard-signin-text = The dashboard has no passwords. Send this command to the bot in a private chat, and open the link it answers with:
dashboard-signin-note = The link works once and for 10 minutes; only admins get one. A session ends after some hours without use, or when you sign out.
dashboard-signed-out = You are signed out.
dashboard-signin-how = How to sign in
dashboard-refused-title = This did not work
dashboard-refused-invalid = This sign-in link is not valid: it may have been cut short when it was copied.
dashboard-refused-expired = This sign-in link has expired: links work for 10 minutes.
dashboard-refused-used = This sign-in link was used already: each link works once.
dashboard-refused-denied = This sign-in link belongs to someone who is no longer an admin.
dashboard-refused-csrf = The form was out of date or did not come from the dashboard. Open the page again and retry.
dashboard-error-title = Something went wrong
dashboard-error-text = This page could not be shown just now; the cause is in the bot's log. Try again in a moment.
