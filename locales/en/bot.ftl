## Bot commands shown in Telegram's menu (setMyCommands)
cmd-start = Main menu
cmd-help = What I can do
cmd-cancel = Cancel the current step

## The bot's profile in Telegram (setMyName, setMyShortDescription, setMyDescription; set at start
## when changed): at most 64, 120 and 512 characters
bot-profile-name = DevBot · dev2production.tech
bot-profile-short-description = The assistant of dev2production.tech: DevOps and software services, prices, project estimates and our engineers.
bot-profile-description = I'm DevBot, the assistant of dev2production.tech, a DevOps and software agency. Ask about our services and prices, describe your project to get an estimate, or talk to one of our engineers. Press Start to begin.

## /start and the main menu
start-welcome =
    👋 Hi, { $name }! I'm <b>DevBot</b>, the assistant of <b>dev2production.tech</b>, a DevOps and software agency.

    I can answer questions about our services and prices, help you scope a project and get an estimate, and put you in touch with our engineers.

    What would you like to do?
start-welcome-back = 👋 Welcome back, { $name }! What would you like to do?
menu-project = 🚀 Start a project
menu-question = ❓ Ask a question
menu-services = 🛠 Our services
menu-human = 👤 Talk to a human
menu-back = ⬅️ Back to menu
menu-title = What would you like to do?


## /help and /cancel
help =
    ℹ️ <b>What I can do</b>

    Ask me anything about our services, prices and process in your own words, or use:
    /start: the main menu
    /services: our services
    /pricing: prices and payment
    /contact: how to reach us
    /ask: ask our AI assistant
    /language: change the language
    /cancel: stop what we are doing
    /help: this message

cancel-done = ✋ Cancelled. Nothing was lost; send /start whenever you're ready.
cancel-nothing = There's nothing to cancel. Send /start to open the menu.

## Fallbacks and errors
fallback-text = I didn't get that. Use the buttons above, or send /cancel to start over.
fallback-unsupported = I can only read text messages for now. Please pick an option from the menu.
stale-button = This button is no longer active. Send /start to open the menu.
error-generic = 😔 Sorry, something went wrong on my side. Please try again in a moment, or send /start to open the menu.

## Commands added by the FAQ
cmd-services = Our services
cmd-pricing = Prices and payment
cmd-contact = How to reach us
cmd-language = Change the language

## /language
language-name = 🇬🇧 English
language-choose = Choose the language I should speak:
language-set = Done: I'll speak English from now on.

## The FAQ conversation
faq-ask =
    ❓ <b>Ask me anything</b>

    Type your question in your own words, in English or Russian: prices, services, how we work, technologies. Or pick a topic:
faq-topics = 📚 Pick a topic, or just type your question:
faq-suggest = I'm not quite sure what you mean. Is it one of these?
faq-alternative = Or did you mean: { $title }?
faq-unsure = Sorry, I'm not sure I understood. Pick a topic below or talk to one of our engineers:
faq-more-topics = 📚 Other topics
faq-back-to-topics = ⬅️ All topics
faq-category-general = 🏢 About us
faq-category-devops = ⚙️ DevOps and cloud
faq-category-pricing = 💵 Prices and payment
faq-category-process = 🤝 How we work
faq-category-technical = 💻 Development
faq-category-support = 🛟 Support
action-estimate = 📝 Get an estimate
action-services = 🛠 Our services
action-consultation = 📅 Book a free call
action-human = 👤 Talk to a human
action-contact = ✉️ Contacts
fallback-command = I don't know that command. Send /help to see what I can do.

## Hand-over and reminders
stale-intake = That form has expired, so let's start again.
handover-leads-topic = 💼 Leads
reminder-intake = 👋 You started telling us about your project but didn't finish. Your answers are saved: continue where you left off?
reminder-intake-button = ▶️ Continue my request

## Rate limits
throttle-burst = ⏳ That's a lot of messages at once. Please give me a few seconds before the next one.
throttle-hour = ⏳ You've reached the limit of messages for this hour. Please come back a little later, or use /start to see the menu.
throttle-day = ⏳ You've reached today's message limit. Please come back tomorrow; if it's urgent, write to hello@dev2production.tech.
throttle-buttons = ⏳ That's a lot of taps at once. Please wait a few seconds before the next one.
throttle-buttons-hour = ⏳ You've pressed a lot of buttons this hour. Please type your question instead, or come back a little later.

## The terminal demo (python -m bot demo)
demo-intro =
    DevBot terminal demo: the real bot, running on this machine (SQLite, in-memory state, offline LLM).

    Type a message or a command and press Enter; the bot answers below.
      /start    open the main menu
      #N        press button N of the latest keyboard, e.g. #1
      /quit     leave the demo

    Buttons appear as [1] Text. Nothing is sent to Telegram.
demo-unknown-button = There is no button #{ $n }: the latest keyboard has { $count }.
demo-no-buttons = There are no buttons to press yet. Try /start.
demo-header = { $name }:
demo-edited = { $name } (updated message):
demo-other-chat = { $name } → the agents' group ({ $chat_id }):
demo-typing = … { $name } is typing
demo-action = … { $name }: { $action }
demo-draft = ✎ draft: { $text }
demo-file = [file: { $file }]
demo-photo = [photo]
demo-deleted = (a message was deleted)
demo-failed = (the bot could not handle that; the details are in the log)
demo-user-name = Guest
demo-bye = Bye!
