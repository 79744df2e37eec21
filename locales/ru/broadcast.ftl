## /admin broadcast (администраторы) и отказ от рассылки (все, кто её получает)
broadcast-usage = Формат: /admin broadcast СЕГМЕНТ [текст]. СЕГМЕНТ: all (все, кто писал боту), leads (у кого есть заявка) или clients (у кого заявка выиграна). Без текста я его спрошу; до отправки будет предпросмотр. /admin broadcast stop останавливает идущую рассылку.
broadcast-ask-text = ✍️ Пришлите сообщение для сегмента «{ $segment }» в том виде, в каком его должны увидеть. /cancel — отменить.
broadcast-text-only = Разослать можно только текстовое сообщение. Пришлите текст или /cancel.
broadcast-dropped = Рассылка отменена, ничего не отправлено.
broadcast-bad-text = Telegram не принял этот текст как сообщение. Проверьте форматирование и пришлите ещё раз.
broadcast-nobody = В сегменте «{ $segment }» сейчас некому отправить рассылку.
broadcast-segment-all = все
broadcast-segment-leads = с заявкой
broadcast-segment-clients = клиенты
broadcast-confirm = ☝️ Это предпросмотр: ровно это получат { $count } { $count ->
        [one] человек
        [few] человека
       *[many] человек
    } из сегмента «{ $segment }». Отправить?
broadcast-button-send = 📣 Отправить
broadcast-button-cancel = Отмена
broadcast-queued = 📣 Рассылка №{ $number } отправляется: { $count } { $count ->
        [one] получатель
        [few] получателя
       *[many] получателей
    }. Когда она закончится, я пришлю итог.
broadcast-halted = ⏹ Рассылка №{ $number } остановлена: отправлено { $sent }.
broadcast-none-running = Сейчас никакая рассылка не идёт.
broadcast-cancelled = Отменено: ничего не отправлено.
broadcast-not-draft = Эта рассылка уже отправлена или отменена.
broadcast-summary = 📣 Рассылка №{ $number } (сегмент «{ $segment }») завершена: отправлено { $sent }, ошибок { $failed }, заблокировали бота { $blocked }, отказались от рассылки { $skipped }.
broadcast-summary-stopped = ⏹ Рассылка №{ $number } (сегмент «{ $segment }») остановлена: отправлено { $sent }, ошибок { $failed }, заблокировали бота { $blocked }, отказались от рассылки { $skipped }.
broadcast-button-stop = 🔕 Не присылать такие сообщения
broadcast-stopped = 🔕 Готово: такие сообщения больше не придут. /subscribe вернёт их.
broadcast-already-stopped = Такие сообщения вам уже не приходят. /subscribe вернёт их.
broadcast-subscribed = 🔔 Вы снова будете получать наши новости. /unsubscribe отключит их.
broadcast-already-subscribed = Вы уже получаете наши новости. /unsubscribe отключит их.
