## Анкета проекта (dialogs/intake). Telegram HTML; слова клиента экранирует код. Подписи кнопок
## (lead-type-*, lead-timeline-*, lead-budget-*) в leads.ftl.

intake-existing = 📋 Вы уже отправляли нам заявку { $date }. Обновить её или создать новую?
intake-existing-update = ✏️ Обновить
intake-existing-new = ➕ Создать новую
intake-expired = ⌛ Прошлая заявка устарела: с её начала прошло больше { $hours } { $hours ->
        [one] часа
       *[other] часов
    }. Начнём заново.

intake-project-type =
    🚀 <b>Новый проект</b> · шаг 1 из 8

    Какой у вас проект?
intake-description =
    📝 <b>Шаг 2 из 8.</b> Расскажите о проекте в нескольких предложениях: что есть сейчас, что нужно, какие технологии, сроки или бюджет вы предполагаете.

    <i>От 20 до 3000 символов.</i>
intake-timeline = ⏱ <b>Шаг 3 из 8.</b> Когда это нужно?
intake-timeline-found = В описании я прочитал «{ $quote }» как <b>{ $value }</b>: нажмите, чтобы подтвердить, или выберите другое.
intake-budget = 💰 <b>Шаг 4 из 8.</b> На какой бюджет вы рассчитываете?
intake-budget-found = В описании я прочитал «{ $quote }» как <b>{ $value }</b>: нажмите, чтобы подтвердить, или выберите другое.
intake-name = 👤 <b>Шаг 5 из 8.</b> Как вас зовут?
intake-email = 📧 <b>Шаг 6 из 8.</b> Ваш e-mail, чтобы менеджер прислал оценку:
intake-company = 🏢 <b>Шаг 7 из 8.</b> Название вашей компании (необязательно):
intake-phone = 📞 <b>Шаг 8 из 8.</b> Телефон в международном формате, например +7 912 345-67-89 (необязательно):

intake-option-current = ☑️ { $label }
intake-option-suggested = ✅ { $label } (из вашего описания)
intake-back = ⬅️ Назад
intake-cancel = ✖️ Отмена
intake-skip = Пропустить ➡️

intake-error-too-short = ⚠️ Коротковато ({ $length } { $length ->
        [one] символ
        [few] символа
       *[many] символов
    }). Расскажите чуть подробнее: хотя бы { $min } символов.
intake-error-too-long = ⚠️ Здесь { $length } { $length ->
        [one] символ
        [few] символа
       *[many] символов
    }, а я принимаю до { $max }. Сократите, пожалуйста: подробности можно будет передать менеджеру.
intake-error-not-text = ⚠️ Здесь я понимаю только текст. Напишите ответ, пожалуйста.
intake-error-command = ⚠️ Посреди заявки команды не работают. Ответьте на вопрос или отправьте /cancel, чтобы прервать заявку.
intake-error-generic = ⚠️ Не получилось принять ответ. Попробуйте ещё раз.
intake-error-name = ⚠️ Напишите, пожалуйста, ваше имя (до { $max } символов).
intake-error-email = ⚠️ Это не похоже на адрес e-mail. Проверьте, пожалуйста: например, name@company.com.
intake-error-company = ⚠️ Напишите название компании (до { $max } символов) или нажмите «Пропустить».
intake-error-phone = ⚠️ Не получилось прочитать номер телефона. Укажите его с кодом страны, например +7 912 345-67-89, или нажмите «Пропустить».

intake-summary =
    📋 <b>Проверьте заявку</b>

    <b>Тип проекта:</b> { $project_type }
    <b>Сроки:</b> { $timeline }
    <b>Бюджет:</b> { $budget }
    <b>Имя:</b> { $name }
    <b>E-mail:</b> { $email }
    <b>Компания:</b> { $company }
    <b>Телефон:</b> { $phone }

    <b>Описание:</b>
    { $description }

    Всё верно? Нажмите «Подтвердить» или исправьте поле.
intake-not-given = —
intake-edit-project-type = ✏️ Тип проекта
intake-edit-description = ✏️ Описание
intake-edit-timeline = ✏️ Сроки
intake-edit-budget = ✏️ Бюджет
intake-edit-name = ✏️ Имя
intake-edit-email = ✏️ E-mail
intake-edit-company = ✏️ Компания
intake-edit-phone = ✏️ Телефон
intake-confirm = ✅ Подтвердить

intake-thanks =
    🙏 <b>Спасибо, { $name }!</b> Заявка уже у нашей команды.

    { $next }
intake-updated =
    ✅ <b>Заявка обновлена, { $name }.</b> Команда видит новую версию.

    { $next }
intake-cancelled = ✋ Заявка отменена, ничего не отправлено. Начать заново можно в любой момент из меню.
