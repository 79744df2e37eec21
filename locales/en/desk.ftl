## The agents' desk (issue 6): escalation to people, the topic card, agent commands.

desk-cmd-human = Talk to a person from our team
desk-cmd-bot = Go back to the bot

## What the user sees
desk-opened =
    👤 I have passed our conversation to our team. A person will answer you right here, usually within { $minutes } minutes.

    Everything you write now goes to them. Send /bot to go back to me.
desk-opened-offline =
    👤 I have passed our conversation to our team. { $next }

    Please send me your e-mail so that we can get back to you. Everything you write now goes to the team; send /bot to go back to me.
desk-opened-offline-known =
    👤 I have passed our conversation to our team. { $next }

    Everything you write now goes to them; send /bot to go back to me.
desk-already-open = You are already talking to our team: just write here. Send /bot to go back to the bot.
desk-open-cooldown = You have just left the conversation with our team. You can ask for them again in a minute; until then I am here to help.
desk-open-limit = You have asked for our team several times within the hour, so I cannot open another conversation right now. Please try again later; until then I am here to help.
desk-email-saved = Thank you, we will write to this address if we miss you here.
desk-claimed-user = 👋 { $agent } from our team has joined the conversation.
desk-closed-user =
    ✅ Our team has closed this conversation; I am back to answer your questions.

    How did we do? Please rate the help you got from 1 to 5:
desk-returned-user = 🤖 You are back with the bot. Ask me anything, or send /human to talk to our team again.
desk-no-ticket = You are talking to the bot already. Send /human to reach a person from our team.
desk-rated = Thank you for your rating: { $stars } of 5.
desk-button-to-bot = 🤖 Back to the bot

## The topic and its card (the agents' language)
desk-priority-urgent = urgent
desk-priority-high = high
desk-priority-normal = normal
desk-reason-requested = asked for a person
desk-reason-low_confidence = the bot was unsure
desk-reason-frustration = frustrated
desk-reason-hot_lead = hot lead
desk-reason-incident = incident
desk-no-username = no username
desk-no-source = direct
desk-not-given = not given
desk-card-title = { $emoji } <b>Ticket #{ $id }</b> · priority: { $priority }
desk-card-reason = Reason: { $reason }
desk-card-user = User: { $link } ({ $handle })
desk-card-details = Language: { $lang } · source: { $source }
desk-card-lead = Lead: { $score } · { $type } · { $budget } · { $timeline }
desk-card-email = Call-back e-mail: { $email }
desk-card-summary = <b>Summary</b>
desk-card-last-messages = <b>Last messages</b>
desk-card-no-messages = (no messages yet)
desk-history-title = <b>History of ticket #{ $id }</b>
desk-history-failed = The history could not be posted in full; please try again.
desk-history-user = 👤 { $text }
desk-history-bot = 🤖 { $text }
desk-history-agent = 🎧 { $text }
desk-history-system = ⚙️ { $text }
desk-button-claim = ✋ Claim
desk-button-history = 📜 History
desk-button-return = 🤖 Return to bot
desk-button-close = ✅ Close

## Agent actions
desk-not-agent = Only agents can do this. An admin can add you with /admin agent add.
desk-no-ticket-here = No open ticket here: use this in a ticket's topic (or reply to its card).
desk-ticket-closed = This ticket is closed.
desk-edit-closed = This ticket is closed: your edit did not reach the user.
desk-claim-done = The ticket is yours.
desk-claim-yours = You have this ticket already.
desk-claim-taken = Already taken by { $agent }.
desk-claim-needs-senior = Urgent tickets are taken by senior agents.
desk-claimed-note = ✋ { $agent } took the ticket.
desk-released-note = ↩️ { $agent } released the ticket: it is open for anyone.
desk-silent-note = ⏰ { $agent } was silent too long: the ticket is open for anyone again.
desk-transfer-usage = Use: /transfer @agent
desk-transfer-unknown = { $handle } is not an active agent.
desk-transfer-needs-senior = Urgent tickets go to senior agents: { $agent } is not one.
desk-transferred = ➡️ The ticket now belongs to { $agent }.
desk-closed-note = ✅ Ticket closed; the user was asked for a rating.
desk-returned-note = 🤖 The user is back with the bot.
desk-user-left-note = 🤖 The user went back to the bot; the ticket is closed.
desk-user-blocked = ⛔ The user has blocked the bot: messages cannot reach them.
desk-not-relayable = ⛔ Polls, games and invoices cannot reach the user (their answers would not come back to you): nothing was sent. Please ask in a message instead.
desk-templates = Templates: { $names }. Send /t name to send one to the user.
desk-template-unknown = No such template. Templates: { $names }.
desk-template-sent = 📨 Template “{ $name }” sent to the user.

## Copilot
desk-draft-note =
    🤖 <b>Suggested reply</b> (internal)

    { $text }
desk-draft-send = 📨 Send
desk-draft-edit = ✏️ Edit
desk-draft-discard = 🗑 Discard
desk-draft-sent = Sent by { $agent }.
desk-draft-editing = { $agent } is editing it: copy the text below.
desk-draft-discarded = Discarded by { $agent }.
desk-draft-gone = This suggestion is no longer current.

## Agent templates (sent in the user's language)
desk-template-greeting = Hello { $user }! I am { $agent } from { $company }. I have read our conversation so far and I am here to help.
desk-template-review = { $user }, thank you for the details of your { $project } project. { $agent } here: I will review them with our engineers and come back with questions and a first approach.
desk-template-scheduling = { $user }, let us talk it through on a short call. Which day and time suit you this week? I will send an invitation. ({ $agent }, { $company })
desk-template-pricing = { $user }, for a { $project } project with a budget of { $budget } and a { $timeline } timeline we usually propose a fixed-scope first phase. I will prepare an estimate for you. ({ $agent })
desk-template-followup = Hello { $user }, { $agent } from { $company } here. I wanted to check whether you had a chance to look at our last message. Happy to answer any questions.
desk-template-closing = Thank you, { $user }! I am closing this conversation now; write here whenever you need us again. ({ $agent }, { $company })
desk-template-notfit = { $user }, thank you for thinking of us. This request is outside what { $company } does best, so we are not the right team for it. I am sorry, and good luck with the project! ({ $agent })
desk-template-technical = { $user }, here is the technical answer from our team. If anything is unclear, just reply here. ({ $agent }, { $company })

## /admin agent
desk-admin-usage = Use: /admin agent add @user [agent|senior|admin|superadmin], /admin agent remove @user, /admin agent role @user ROLE
desk-admin-unknown = I do not know { $handle }: they must write to the bot or in this group first.
desk-admin-outranked = You cannot grant or change a role above your own.
desk-admin-not-agent = { $handle } is not an agent.
desk-admin-handle-moved = { $handle } now belongs to another Telegram account (id { $holder }), not to the agent who had it (id { $agent }). Use the id of the one you mean instead of the @username.
desk-admin-by-id = I cannot confirm that { $handle } is still the username of agent id { $agent }: they have not written to the bot or the group since. Use the id instead of the @username.
desk-admin-add-done = { $handle } is now an agent ({ $role }).
desk-admin-remove-done = { $handle } is no longer an agent.
desk-admin-role-done = { $handle } now has the role { $role }.
desk-role-agent = agent
desk-role-senior = senior agent
desk-role-admin = admin
desk-role-superadmin = superadmin
