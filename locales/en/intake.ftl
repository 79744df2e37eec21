## The project intake wizard (dialogs/intake). Telegram HTML; the client's words are escaped by
## the code. Button labels (lead-type-*, lead-timeline-*, lead-budget-*) are in leads.ftl.

intake-existing = 📋 You already sent us a project request on { $date }. Update it, or start a new one?
intake-existing-update = ✏️ Update it
intake-existing-new = ➕ Start a new one
intake-expired = ⌛ Your previous request expired after { $hours } { $hours ->
        [one] hour
       *[other] hours
    }, so let's start again.

intake-project-type =
    🚀 <b>Start a project</b> · step 1 of 8

    What kind of project is it?
intake-description =
    📝 <b>Step 2 of 8.</b> Tell us about the project in a few sentences: what you have now, what you need, and any technologies, deadlines or budget you have in mind.

    <i>From 20 to 3000 characters.</i>
intake-timeline = ⏱ <b>Step 3 of 8.</b> When do you need it?
intake-timeline-found = In your description I read “{ $quote }” as <b>{ $value }</b>: press it to confirm, or choose another.
intake-budget = 💰 <b>Step 4 of 8.</b> What budget do you have in mind?
intake-budget-found = In your description I read “{ $quote }” as <b>{ $value }</b>: press it to confirm, or choose another.
intake-name = 👤 <b>Step 5 of 8.</b> What's your name?
intake-email = 📧 <b>Step 6 of 8.</b> Your e-mail address, so that our manager can send you the estimate:
intake-company = 🏢 <b>Step 7 of 8.</b> Your company's name (optional):
intake-phone = 📞 <b>Step 8 of 8.</b> A phone number in international format, e.g. +44 20 7946 0958 (optional):

intake-option-current = ☑️ { $label }
intake-option-suggested = ✅ { $label } (from your description)
intake-back = ⬅️ Back
intake-cancel = ✖️ Cancel
intake-skip = Skip ➡️

intake-error-too-short = ⚠️ That's a bit short ({ $length } { $length ->
        [one] character
       *[other] characters
    }). Please tell us a little more: at least { $min } characters.
intake-error-too-long = ⚠️ That's { $length } characters, more than the { $max } I can take. Please shorten it: the details can go to our manager later.
intake-error-not-text = ⚠️ I can only read text here. Please type your answer.
intake-error-command = ⚠️ Commands don't work in the middle of a request. Please answer the question, or send /cancel to stop the request.
intake-error-generic = ⚠️ I couldn't take that answer. Please try again.
intake-error-name = ⚠️ Please send your name (up to { $max } characters).
intake-error-email = ⚠️ That doesn't look like an e-mail address: { $reason }
intake-error-company = ⚠️ Please send the company's name (up to { $max } characters), or press Skip.
intake-error-phone = ⚠️ I couldn't read that as a phone number. Please write it with the country code, e.g. +44 20 7946 0958, or press Skip.

intake-summary =
    📋 <b>Please check your request</b>

    <b>Project type:</b> { $project_type }
    <b>Timeline:</b> { $timeline }
    <b>Budget:</b> { $budget }
    <b>Name:</b> { $name }
    <b>E-mail:</b> { $email }
    <b>Company:</b> { $company }
    <b>Phone:</b> { $phone }

    <b>Description:</b>
    { $description }

    Is everything right? Press Confirm, or edit a field.
intake-not-given = —
intake-edit-project-type = ✏️ Project type
intake-edit-description = ✏️ Description
intake-edit-timeline = ✏️ Timeline
intake-edit-budget = ✏️ Budget
intake-edit-name = ✏️ Name
intake-edit-email = ✏️ E-mail
intake-edit-company = ✏️ Company
intake-edit-phone = ✏️ Phone
intake-confirm = ✅ Confirm

intake-thanks =
    🙏 <b>Thank you, { $name }!</b> Your request is with our team.

    { $next }
intake-updated =
    ✅ <b>Your request is updated, { $name }.</b> Our team sees the new version.

    { $next }
intake-cancelled = ✋ Request cancelled; nothing was sent. You can start again from the menu at any time.
