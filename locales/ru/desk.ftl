## The agents' desk (issue 6): escalation to people, the topic card, agent commands.

desk-cmd-human = Связаться с человеком из команды
desk-cmd-bot = Вернуться к боту

## What the user sees
desk-opened =
    👤 Я передал наш разговор команде. Человек ответит вам прямо здесь, обычно в течение { $minutes } мин.

    Всё, что вы напишете, теперь получит команда. Чтобы вернуться ко мне, отправьте /bot.
desk-opened-offline =
    👤 Я передал наш разговор команде. { $next }

    Пожалуйста, пришлите ваш e-mail, чтобы мы могли с вами связаться. Всё, что вы напишете, теперь получит команда; чтобы вернуться ко мне, отправьте /bot.
desk-opened-offline-known =
    👤 Я передал наш разговор команде. { $next }

    Всё, что вы напишете, теперь получит команда; чтобы вернуться ко мне, отправьте /bot.
desk-already-open = Вы уже общаетесь с нашей командой: просто пишите сюда. Чтобы вернуться к боту, отправьте /bot.
desk-open-cooldown = Вы только что завершили разговор с нашей командой. Позвать её снова можно через минуту, а пока я готов помочь.
desk-open-limit = За этот час вы уже несколько раз звали нашу команду, поэтому сейчас я не могу открыть новый разговор. Попробуйте позже, а пока я готов помочь.
desk-email-saved = Спасибо, напишем на этот адрес, если не застанем вас здесь.
desk-claimed-user = 👋 К разговору присоединился { $agent } из нашей команды.
desk-closed-user =
    ✅ Команда закрыла этот разговор, и я снова отвечаю на ваши вопросы.

    Как мы справились? Оцените помощь от 1 до 5:
desk-returned-user = 🤖 Вы снова общаетесь с ботом. Спрашивайте что угодно или отправьте /human, чтобы снова связаться с командой.
desk-no-ticket = Вы и так общаетесь с ботом. Отправьте /human, чтобы связаться с человеком из команды.
desk-rated = Спасибо за оценку: { $stars } из 5.
desk-button-to-bot = 🤖 Вернуться к боту

## The topic and its card (the agents' language)
desk-priority-urgent = срочно
desk-priority-high = высокий
desk-priority-normal = обычный
desk-reason-requested = просит человека
desk-reason-low_confidence = бот не уверен
desk-reason-frustration = недоволен
desk-reason-hot_lead = горячий лид
desk-reason-incident = инцидент
desk-no-username = без имени пользователя
desk-no-source = напрямую
desk-not-given = не указано
desk-card-title = { $emoji } <b>Тикет #{ $id }</b> · приоритет: { $priority }
desk-card-reason = Причина: { $reason }
desk-card-user = Пользователь: { $link } ({ $handle })
desk-card-details = Язык: { $lang } · источник: { $source }
desk-card-lead = Лид: { $score } · { $type } · { $budget } · { $timeline }
desk-card-email = E-mail для связи: { $email }
desk-card-summary = <b>Кратко</b>
desk-card-last-messages = <b>Последние сообщения</b>
desk-card-no-messages = (сообщений пока нет)
desk-history-title = <b>История тикета #{ $id }</b>
desk-history-failed = Историю не удалось показать целиком; попробуйте ещё раз.
desk-history-user = 👤 { $text }
desk-history-bot = 🤖 { $text }
desk-history-agent = 🎧 { $text }
desk-history-system = ⚙️ { $text }
desk-button-claim = ✋ Взять
desk-button-history = 📜 История
desk-button-return = 🤖 Вернуть боту
desk-button-close = ✅ Закрыть

## Agent actions
desk-not-agent = Это могут только агенты. Админ может добавить вас командой /admin agent add.
desk-no-ticket-here = Здесь нет открытого тикета: используйте команду в теме тикета (или ответом на его карточку).
desk-ticket-closed = Этот тикет закрыт.
desk-edit-closed = Этот тикет закрыт: правка до пользователя не дошла.
desk-claim-done = Тикет ваш.
desk-claim-yours = Этот тикет уже ваш.
desk-claim-taken = Уже взял { $agent }.
desk-claim-needs-senior = Срочные тикеты берут старшие агенты.
desk-claimed-note = ✋ { $agent } взял тикет.
desk-released-note = ↩️ { $agent } отпустил тикет: его может взять любой.
desk-silent-note = ⏰ { $agent } слишком долго молчал: тикет снова свободен.
desk-transfer-usage = Используйте: /transfer @agent
desk-transfer-unknown = { $handle } не является активным агентом.
desk-transfer-needs-senior = Срочные тикеты передают только старшим агентам, а { $agent } не из них.
desk-transferred = ➡️ Тикет теперь у { $agent }.
desk-closed-note = ✅ Тикет закрыт; пользователя попросили оценить помощь.
desk-returned-note = 🤖 Пользователь снова общается с ботом.
desk-user-left-note = 🤖 Пользователь вернулся к боту; тикет закрыт.
desk-user-blocked = ⛔ Пользователь заблокировал бота: сообщения до него не дойдут.
desk-not-relayable = ⛔ Опросы, игры и счета до пользователя не доходят (его ответы к вам не вернутся): ничего не отправлено. Спросите, пожалуйста, обычным сообщением.
desk-templates = Шаблоны: { $names }. Отправьте /t название, чтобы отправить шаблон пользователю.
desk-template-unknown = Такого шаблона нет. Шаблоны: { $names }.
desk-template-sent = 📨 Шаблон «{ $name }» отправлен пользователю.

## Copilot
desk-draft-note =
    🤖 <b>Предлагаемый ответ</b> (внутреннее)

    { $text }
desk-draft-send = 📨 Отправить
desk-draft-edit = ✏️ Изменить
desk-draft-discard = 🗑 Отклонить
desk-draft-sent = Отправил { $agent }.
desk-draft-editing = { $agent } редактирует: скопируйте текст ниже.
desk-draft-discarded = Отклонил { $agent }.
desk-draft-gone = Это предложение уже неактуально.

## Agent templates (sent in the user's language)
desk-template-greeting = Здравствуйте, { $user }! Меня зовут { $agent }, я из { $company }. Я прочитал нашу переписку и готов помочь.
desk-template-review = { $user }, спасибо за подробности о проекте ({ $project }). Это { $agent }: я разберу их с нашими инженерами и вернусь с вопросами и первым подходом.
desk-template-scheduling = { $user }, давайте обсудим всё на коротком созвоне. Какие день и время на этой неделе вам удобны? Я пришлю приглашение. ({ $agent }, { $company })
desk-template-pricing = { $user }, для проекта ({ $project }) с бюджетом { $budget } и сроками «{ $timeline }» мы обычно предлагаем первый этап с фиксированным объёмом. Я подготовлю для вас оценку. ({ $agent })
desk-template-followup = Здравствуйте, { $user }! Это { $agent } из { $company }. Хотел уточнить, успели ли вы посмотреть наше последнее сообщение. С радостью отвечу на вопросы.
desk-template-closing = Спасибо, { $user }! Закрываю этот разговор; пишите сюда, когда снова понадобимся. ({ $agent }, { $company })
desk-template-notfit = { $user }, спасибо, что обратились к нам. Этот запрос вне того, что { $company } делает лучше всего, поэтому мы не лучшая команда для него. Извините и удачи с проектом! ({ $agent })
desk-template-technical = { $user }, вот технический ответ нашей команды. Если что-то непонятно, просто ответьте здесь. ({ $agent }, { $company })

## /admin agent
desk-admin-usage = Используйте: /admin agent add @user [agent|senior|admin|superadmin], /admin agent remove @user, /admin agent role @user РОЛЬ
desk-admin-unknown = Я не знаю { $handle }: пусть сначала напишет боту или в эту группу.
desk-admin-outranked = Нельзя выдать или изменить роль выше вашей.
desk-admin-not-agent = { $handle } не агент.
desk-admin-handle-moved = { $handle } теперь принадлежит другому аккаунту Telegram (id { $holder }), а не агенту, у которого было раньше (id { $agent }). Укажите вместо @имени id нужного человека.
desk-admin-by-id = Не могу подтвердить, что { $handle } всё ещё имя агента с id { $agent }: он с тех пор не писал ни боту, ни в группу. Укажите вместо @имени id.
desk-admin-add-done = { $handle } теперь агент ({ $role }).
desk-admin-remove-done = { $handle } больше не агент.
desk-admin-role-done = У { $handle } теперь роль: { $role }.
desk-role-agent = агент
desk-role-senior = старший агент
desk-role-admin = админ
desk-role-superadmin = суперадмин
