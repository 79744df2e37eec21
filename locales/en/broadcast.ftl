## /admin broadcast (the admins) and the opt-out (everyone who gets a broadcast)
broadcast-usage = Usage: /admin broadcast SEGMENT [text]. SEGMENT is all (everyone who wrote to the bot), leads (people with a lead) or clients (people with a won lead). Without the text I ask for it; a preview comes before anything is sent. /admin broadcast stop stops the broadcast being sent.
broadcast-ask-text = ✍️ Send me the message for { $segment }, formatted as people should see it. /cancel drops it.
broadcast-text-only = Only a text message can be broadcast. Send the text, or /cancel.
broadcast-dropped = The broadcast is dropped; nothing was sent.
broadcast-bad-text = Telegram refused this text as a message. Check its formatting and send it again.
broadcast-nobody = Nobody in { $segment } can get a broadcast right now: nothing to send.
broadcast-segment-all = everyone
broadcast-segment-leads = people with a lead
broadcast-segment-clients = clients
broadcast-confirm = ☝️ That is the preview: exactly what { $count } { $count ->
        [one] person
       *[other] people
    } in { $segment } will get. Send it?
broadcast-button-send = 📣 Send
broadcast-button-cancel = Cancel
broadcast-queued = 📣 Broadcast #{ $number } is on its way to { $count } { $count ->
        [one] person
       *[other] people
    }. I will send you a summary when it is done.
broadcast-halted = ⏹ Broadcast #{ $number } is stopped: { $sent } sent so far.
broadcast-none-running = No broadcast is being sent right now.
broadcast-cancelled = Cancelled: nothing was sent.
broadcast-not-draft = This broadcast was sent or cancelled already.
broadcast-summary = 📣 Broadcast #{ $number } to { $segment } is done: { $sent } sent, { $failed } failed, { $blocked } had blocked the bot, { $skipped } opted out.
broadcast-summary-stopped = ⏹ Broadcast #{ $number } to { $segment } was stopped: { $sent } sent, { $failed } failed, { $blocked } had blocked the bot, { $skipped } opted out.
broadcast-button-stop = 🔕 Stop these messages
broadcast-stopped = 🔕 Done: you will not get these messages any more. /subscribe brings them back.
broadcast-already-stopped = You do not get these messages already. /subscribe brings them back.
broadcast-subscribed = 🔔 You will get our news again. /unsubscribe stops them.
broadcast-already-subscribed = You get our news already. /unsubscribe stops them.
