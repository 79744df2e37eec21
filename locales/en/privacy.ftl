## GDPR: /mydata, /forgetme and /admin gdpr (HTML)
privacy-cmd-mydata = Get all data we hold about you
privacy-cmd-forgetme = Delete all your data
privacy-mydata-caption = 📦 Here is everything we hold about you: your profile, conversations, messages, project requests, tickets, the files you sent (their details) and the answers of a request you have not finished.
privacy-mydata-nothing = We hold no data about you.
privacy-forget-confirm = 🗑 Delete all your data?

    Your conversations, messages, project requests and files will be hidden from our team at once and deleted for good after { $days } days. Until then you can change your mind with /forgetme cancel.
privacy-button-forget = Yes, delete my data
privacy-button-keep = No, keep it
privacy-forget-done = ✅ Done. Your data is hidden from our team and will be deleted for good on { $date }. Changed your mind? Send /forgetme cancel before then.
privacy-forget-kept = 👍 Nothing was deleted.
privacy-forget-pending = Your data is already scheduled for deletion on { $date }. To keep it, send /forgetme cancel.
privacy-forget-cancelled = ✅ Your deletion request is cancelled and your data is restored.
privacy-forget-nothing-to-cancel = There is no deletion request to cancel.
privacy-forget-usage = Send /forgetme to delete your data, or /forgetme cancel to cancel a request.
# In the agents' group, in place of a message about someone erased (too old to delete)
privacy-removed-in-group = 🗑 (removed at the person's request)

## /admin gdpr (for admins)
privacy-admin-usage = Usage: <code>/admin gdpr export|delete|cancel USER</code>, where USER is a Telegram id or @username.
privacy-admin-unknown-user = No user { $user } found.
privacy-admin-exported = 📦 Data of user { $user }.
privacy-admin-delete-confirm = 🗑 Delete all data of user { $user }? It is hidden from agents at once and deleted for good after { $days } days (<code>/admin gdpr cancel { $user }</code> restores it until then).
privacy-admin-deleted = ✅ Data of user { $user } is hidden and will be deleted for good on { $date }.
privacy-admin-kept = 👍 Nothing was deleted for user { $user }.
privacy-admin-cancelled = ✅ The deletion of user { $user } is cancelled.
privacy-admin-nothing-to-cancel = User { $user } has no deletion request.
