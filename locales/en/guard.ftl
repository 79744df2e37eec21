## Anti-spam and bans (what the person who broke the rules is told)
guard-spam-warning = ⚠️ That message looks like spam (repeated text, a wall of symbols, many links or advertising), so I did not process it. Please write normally: next time you will be blocked for a while.
guard-banned-temporary = ⛔ You are blocked until { $until } UTC for breaking the chat rules. Messages sent before then are not read.
guard-banned-permanent = ⛔ You are blocked for breaking the chat rules. Messages you send are not read.
