## /admin stats: the business figures of a period
stats-usage = Usage: /admin stats [1d|7d|30d] — the figures of the last day (default), 7 or 30 days.
stats-title-1d = <b>Figures of the last 24 hours</b>
stats-title-7d = <b>Figures of the last 7 days</b>
stats-title-30d = <b>Figures of the last 30 days</b>
stats-button-1d = 24 hours
stats-button-7d = 7 days
stats-button-30d = 30 days
stats-conversations = 💬 Conversations: { $count } ({ $people ->
        [one] { $people } person
       *[other] { $people } people
    } talked to the bot)
stats-bot-only = 🤖 Answered without a human: { $count } ({ $percent })
stats-intake = 📝 Project intakes: { $started } started, { $completed } completed
stats-leads = 🎯 Leads: { $count } — conversion { $percent } (target { $target } or more); 🔥 { $hot } hot, { $warm } warm, { $cold } cold
stats-handoffs = 🙋 Handed to a human: { $count } ({ $percent }, target { $low }–{ $high })
stats-handoff-reason = • { $reason }: { $count }
stats-llm = 🧠 LLM answers: { $calls }, ${ $cost } — { $per } per conversation (target under { $target })
stats-csat = ⭐ Satisfaction: { $average } of 5 ({ $count ->
        [one] { $count } rating
       *[other] { $count } ratings
    })
stats-csat-none = ⭐ Satisfaction: no ratings yet
stats-agents-title = <b>Agents</b> (median time to claim / first reply / close):
stats-agent = • { $name }: { $tickets ->
        [one] { $tickets } ticket
       *[other] { $tickets } tickets
    }, { $claim } / { $reply } / { $close }
stats-sources-title = <b>By source</b> (conversations / leads / hand-offs):
stats-source-none = no deep link
stats-days-title = <b>By day</b> (conversations / leads / hand-offs):
stats-line = • { $label }: { $conversations } / { $leads } / { $handoffs }
stats-seconds = { $n } s
stats-minutes = { $n } min
stats-hours = { $n } h
stats-days = { $n } d

## /admin leads
leads-admin-usage = Usage: /admin leads [hot|warm|cold] — the newest leads, of one score if given.
leads-admin-title = <b>Newest leads</b> ({ $count }): press one for its card.
leads-admin-none = No leads yet. The CSV button still gives the (empty) table.
leads-admin-csv = 📄 CSV of all leads
leads-admin-csv-caption = Every lead ({ $count }), newest first.
leads-admin-conversation = 💬 Conversation
leads-admin-gone = Lead #{ $id } is no longer there (deleted, or its person asked to be forgotten).
leads-admin-history = <b>Conversation of lead #{ $id }</b> { $name }

## /admin quota
quota-title = <b>LLM quotas</b>
quota-today = Today (UTC): ${ $spent } of ${ $budget } spent, ${ $left } left ({ $percent }%)
quota-name-daily = daily budget, all people
quota-name-session = AI answers per conversation
quota-name-user = AI answers per person a day
quota-name-ticket = desk calls per ticket a day
quota-name-desk = desk calls a day
quota-line = • { $label } ({ $name }): { $value }
quota-line-changed = • { $label } ({ $name }): { $value } — changed by an admin; { $setting } is { $configured }
quota-usage = Change one: /admin quota set daily|session|user|ticket|desk VALUE; back to its setting: /admin quota reset NAME.
quota-invalid = “{ $value }” is not a valid { $name } limit: give a number of at least { $minimum }.
quota-set = ✅ { $label }: now { $value }, for every replica within a minute.
quota-reset = ✅ { $label }: back to its setting, { $value }.
