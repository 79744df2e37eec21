## The LLM consultation
cmd-ask = Ask our AI assistant
consult-welcome =
    🤖 <b>AI assistant</b>

    Ask me anything about your project, our services or DevOps in your own words; I answer from our knowledge base. Send /cancel to leave this mode.
consult-not-configured = 🤖 The AI assistant is not configured here, so I answer from our knowledge base and our team.
consult-unavailable = 🤖 The AI assistant is not available at the moment, so here is what our knowledge base has.
consult-failed = 🤖 The AI assistant did not answer in time. Here is what our knowledge base has; our engineers can help too.
consult-quota = 🤖 The AI assistant is resting for today. Here is what our knowledge base has; our engineers can help too.
consult-limit-session = 🤖 That is all the AI answers I can give in one conversation. Pick a topic below or talk to one of our engineers; they will gladly go on.
consult-limit-user-daily = 🤖 You have reached today's limit of AI answers; it resets tomorrow. Meanwhile, pick a topic below or talk to one of our engineers.
consult-limit-system = 🤖 The AI assistant has answered all it can for today. Pick a topic below or talk to one of our engineers.
consult-fallback-topic =
    { $reason }

    Closest topic from our knowledge base: <b>{ $title }</b>

    { $answer }
consult-budget-alert = ⚠️ The LLM has spent { $spent } USD today, { $percent }% of the daily budget of { $budget } USD. At the limit, consultations answer from the knowledge base only.
