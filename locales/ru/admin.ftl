## /admin: команды для администраторов в личном чате с ботом
admin-help =
    <b>Команды администратора</b>
    /admin ban USER [СРОК] [причина] — заблокировать (USER: id или @username; СРОК: 30m, 12h, 7d, 2w; без срока — навсегда)
    /admin unban USER — снять блокировку
    /admin bans — кто заблокирован сейчас
    /admin agent add|remove|role … — управление агентами
    /admin gdpr export|delete USER — данные пользователя: выгрузить или удалить
    /admin broadcast all|leads|clients [текст] — сообщение сегменту (сначала предпросмотр и кнопка «Отправить»); /admin broadcast stop — остановить
    /admin llm — вызовы LLM и расходы за сегодня против лимитов
    /admin quota [set|reset ИМЯ ЗНАЧЕНИЕ] — лимиты LLM: посмотреть и изменить
    /admin stats [7d|30d] — диалоги, лиды, передачи людям, расходы на LLM и время агентов
    /admin leads [hot|warm|cold] — новые лиды: карточка, диалог, CSV со всеми
    /admin experiments [7d|30d] — A/B-тесты ответов и промптов: люди, конверсии, значимость
    /admin dashboard — одноразовая ссылка для входа в веб-панель
admin-llm-off = LLM не настроена (LONGCAT_API_KEY): все ответы идут из базы знаний.
admin-llm-title = <b>LLM сегодня</b> (сутки UTC)
admin-llm-line = • { $purpose }: { $calls } вызовов, ${ $cost }
admin-llm-purpose-answer = ответы людям
admin-llm-purpose-conversation-summary = сводки разговоров
admin-llm-purpose-escalation-prep = заметки для передачи
admin-llm-purpose-agent-copilot = черновики агентам
admin-llm-spent = Потрачено ${ $spent } из ${ $budget } ({ $percent }%)
admin-llm-limits = Лимиты: { $session } ответов на разговор, { $daily } на человека в сутки; операторы: { $ticket } на тикет в сутки, { $desk } в сутки всего
admin-denied = Извините, эта команда только для администраторов.
admin-unknown = Подкоманды /admin «{ $name }» нет. Отправьте /admin, чтобы увидеть список.
admin-ban-usage = Формат: /admin ban USER [СРОК] [причина], например /admin ban @name 24h флуд. Без срока блокировка бессрочная.
admin-unban-usage = Формат: /admin unban USER (числовой id или @username).
admin-user-unknown = Пользователь { $user } мне неизвестен: он ещё не писал боту. Для тех, кто ещё не писал, укажите числовой id.
admin-ban-staff = Агентов и администраторов блокировать нельзя; сначала снимите с них роль.
admin-ban-done-temporary = 🚫 { $user } заблокирован до { $until } UTC.
admin-ban-done-permanent = 🚫 { $user } заблокирован навсегда.
admin-unban-done = ✅ { $user } разблокирован.
admin-unban-not-banned = { $user } не был заблокирован.
admin-bans-empty = Сейчас никто не заблокирован.
admin-bans-title = <b>Заблокированные</b> ({ $count }):
admin-bans-line-temporary = • { $user } до { $until } UTC: { $reason }
admin-bans-line-permanent = • { $user } навсегда: { $reason }
admin-bans-no-reason = причина не указана
