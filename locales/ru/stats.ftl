## /admin stats: показатели за период
stats-usage = Использование: /admin stats [1d|7d|30d] — показатели за последние сутки (по умолчанию), 7 или 30 дней.
stats-title-1d = <b>Показатели за последние 24 часа</b>
stats-title-7d = <b>Показатели за последние 7 дней</b>
stats-title-30d = <b>Показатели за последние 30 дней</b>
stats-button-1d = 24 часа
stats-button-7d = 7 дней
stats-button-30d = 30 дней
stats-conversations = 💬 Диалогов: { $count } (с ботом говорили: { $people })
stats-bot-only = 🤖 Без участия человека: { $count } ({ $percent })
stats-intake = 📝 Заявки на проект: начато { $started }, завершено { $completed }
stats-leads = 🎯 Лидов: { $count } — конверсия { $percent } (цель — от { $target }); 🔥 горячих { $hot }, тёплых { $warm }, холодных { $cold }
stats-handoffs = 🙋 Передано человеку: { $count } ({ $percent }, цель { $low }–{ $high })
stats-handoff-reason = • { $reason }: { $count }
stats-llm = 🧠 Ответов LLM: { $calls }, ${ $cost } — { $per } на диалог (цель — меньше { $target })
stats-csat = ⭐ Удовлетворённость: { $average } из 5 (оценок: { $count })
stats-csat-none = ⭐ Удовлетворённость: оценок пока нет
stats-agents-title = <b>Агенты</b> (медиана времени до взятия / первого ответа / закрытия):
stats-agent = • { $name }: тикетов { $tickets }, { $claim } / { $reply } / { $close }
stats-sources-title = <b>По источникам</b> (диалоги / лиды / передачи):
stats-source-none = без deep link
stats-days-title = <b>По дням</b> (диалоги / лиды / передачи):
stats-line = • { $label }: { $conversations } / { $leads } / { $handoffs }
stats-seconds = { $n } с
stats-minutes = { $n } мин
stats-hours = { $n } ч
stats-days = { $n } д

## /admin leads
leads-admin-usage = Использование: /admin leads [hot|warm|cold] — новые лиды, при указании — только этой оценки.
leads-admin-title = <b>Новые лиды</b> ({ $count }): нажмите на лид, чтобы открыть карточку.
leads-admin-none = Лидов пока нет. Кнопка CSV всё равно выдаст (пустую) таблицу.
leads-admin-csv = 📄 CSV со всеми лидами
leads-admin-csv-caption = Все лиды ({ $count }), сначала новые.
leads-admin-conversation = 💬 Диалог
leads-admin-gone = Лида #{ $id } больше нет (удалён, или человек попросил его забыть).
leads-admin-history = <b>Диалог лида #{ $id }</b> { $name }

## /admin quota
quota-title = <b>Лимиты LLM</b>
quota-today = Сегодня (UTC): потрачено ${ $spent } из ${ $budget }, осталось ${ $left } ({ $percent }%)
quota-name-daily = дневной бюджет на всех
quota-name-session = ответов ИИ на диалог
quota-name-user = ответов ИИ на человека в день
quota-name-ticket = вызовов для агентов на тикет в день
quota-name-desk = вызовов для агентов в день
quota-line = • { $label } ({ $name }): { $value }
quota-line-changed = • { $label } ({ $name }): { $value } — изменено администратором; { $setting } = { $configured }
quota-usage = Изменить: /admin quota set daily|session|user|ticket|desk ЗНАЧЕНИЕ; вернуть к настройке: /admin quota reset ИМЯ.
quota-invalid = «{ $value }» — неверный лимит { $name }: нужно число не меньше { $minimum }.
quota-set = ✅ { $label }: теперь { $value }, на всех репликах в течение минуты.
quota-reset = ✅ { $label }: снова по настройке, { $value }.
