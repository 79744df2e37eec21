## Bot commands shown in Telegram's menu (setMyCommands)
cmd-start = Главное меню
cmd-help = Что я умею
cmd-cancel = Отменить текущий шаг

## The bot's profile in Telegram (setMyName, setMyShortDescription, setMyDescription; set at start
## when changed): at most 64, 120 and 512 characters
bot-profile-name = DevBot · dev2production.tech
bot-profile-short-description = Ассистент dev2production.tech: услуги DevOps и разработки, цены, оценка проекта и наши инженеры.
bot-profile-description = Я DevBot, ассистент dev2production.tech, агентства DevOps и разработки. Спросите об услугах и ценах, опишите проект и получите оценку или поговорите с нашим инженером. Нажмите «Старт», чтобы начать.

## /start and the main menu
start-welcome =
    👋 Здравствуйте, { $name }! Я <b>DevBot</b>, ассистент <b>dev2production.tech</b>, агентства DevOps и разработки.

    Я отвечу на вопросы о наших услугах и ценах, помогу описать проект и получить оценку, а также свяжу вас с нашими инженерами.

    Чем могу помочь?
start-welcome-back = 👋 С возвращением, { $name }! Чем могу помочь?
menu-project = 🚀 Начать проект
menu-question = ❓ Задать вопрос
menu-services = 🛠 Наши услуги
menu-human = 👤 Связаться с человеком
menu-back = ⬅️ В меню
menu-title = Чем могу помочь?


## /help and /cancel
help =
    ℹ️ <b>Что я умею</b>

    Спросите меня своими словами об услугах, ценах и процессе работы или воспользуйтесь командами:
    /start: главное меню
    /services: наши услуги
    /pricing: цены и оплата
    /contact: как с нами связаться
    /ask: спросить ИИ-ассистента
    /language: сменить язык
    /cancel: прервать текущее действие
    /help: это сообщение

cancel-done = ✋ Отменено. Ничего не потеряно; отправьте /start, когда будете готовы.
cancel-nothing = Отменять нечего. Отправьте /start, чтобы открыть меню.

## Fallbacks and errors
fallback-text = Не понял. Воспользуйтесь кнопками выше или отправьте /cancel, чтобы начать заново.
fallback-unsupported = Пока я понимаю только текстовые сообщения. Пожалуйста, выберите пункт меню.
stale-button = Эта кнопка больше не действует. Отправьте /start, чтобы открыть меню.
error-generic = 😔 Извините, у меня что-то пошло не так. Попробуйте ещё раз чуть позже или отправьте /start, чтобы открыть меню.

## Commands added by the FAQ
cmd-services = Наши услуги
cmd-pricing = Цены и оплата
cmd-contact = Как с нами связаться
cmd-language = Сменить язык

## /language
language-name = 🇷🇺 Русский
language-choose = Выберите язык общения:
language-set = Готово: теперь я говорю по-русски.

## The FAQ conversation
faq-ask =
    ❓ <b>Спросите меня о чём угодно</b>

    Напишите вопрос своими словами, по-русски или по-английски: цены, услуги, как мы работаем, технологии. Или выберите тему:
faq-topics = 📚 Выберите тему или просто напишите вопрос:
faq-suggest = Не совсем понял, что вы имеете в виду. Может быть, одна из этих тем?
faq-alternative = Или вы о другом: { $title }?
faq-unsure = Простите, я не уверен, что понял. Выберите тему ниже или поговорите с нашим инженером:
faq-more-topics = 📚 Другие темы
faq-back-to-topics = ⬅️ Все темы
faq-category-general = 🏢 О компании
faq-category-devops = ⚙️ DevOps и облака
faq-category-pricing = 💵 Цены и оплата
faq-category-process = 🤝 Как мы работаем
faq-category-technical = 💻 Разработка
faq-category-support = 🛟 Поддержка
action-estimate = 📝 Получить оценку
action-services = 🛠 Наши услуги
action-consultation = 📅 Бесплатная консультация
action-human = 👤 Связаться с человеком
action-contact = ✉️ Контакты
fallback-command = Я не знаю такой команды. Отправьте /help, чтобы узнать, что я умею.

## Hand-over and reminders
stale-intake = Эта форма устарела, начнём заново.
handover-leads-topic = 💼 Лиды
reminder-intake = 👋 Вы начали рассказывать о проекте, но не закончили. Ваши ответы сохранены: продолжим с того же места?
reminder-intake-button = ▶️ Продолжить заявку

## Rate limits
throttle-burst = ⏳ Слишком много сообщений подряд. Пожалуйста, подождите несколько секунд.
throttle-hour = ⏳ Вы достигли лимита сообщений на этот час. Пожалуйста, вернитесь чуть позже или откройте меню командой /start.
throttle-day = ⏳ Вы достигли дневного лимита сообщений. Пожалуйста, вернитесь завтра; если дело срочное, напишите на hello@dev2production.tech.
throttle-buttons = ⏳ Слишком много нажатий подряд. Пожалуйста, подождите несколько секунд.
throttle-buttons-hour = ⏳ За этот час вы нажали очень много кнопок. Пожалуйста, напишите вопрос текстом или вернитесь чуть позже.

## The terminal demo (python -m bot demo)
demo-intro =
    Демо DevBot в терминале: настоящий бот, работающий на этой машине (SQLite, состояние в памяти, LLM офлайн).

    Напишите сообщение или команду и нажмите Enter; ответ бота появится ниже.
      /start    открыть главное меню
      #N        нажать кнопку N последней клавиатуры, например #1
      /quit     выйти из демо

    Кнопки выглядят как [1] Текст. В Telegram ничего не отправляется.
demo-unknown-button = Кнопки #{ $n } нет: в последней клавиатуре их { $count }.
demo-no-buttons = Пока нет кнопок, которые можно нажать. Попробуйте /start.
demo-header = { $name }:
demo-edited = { $name } (сообщение изменено):
demo-other-chat = { $name } → группа агентов ({ $chat_id }):
demo-typing = … { $name } печатает
demo-action = … { $name }: { $action }
demo-draft = ✎ черновик: { $text }
demo-file = [файл: { $file }]
demo-photo = [фото]
demo-deleted = (сообщение удалено)
demo-failed = (бот не смог обработать это сообщение; подробности в журнале)
demo-user-name = Гость
demo-bye = До свидания!
