## GDPR: /mydata, /forgetme и /admin gdpr (HTML)
privacy-cmd-mydata = Получить все ваши данные
privacy-cmd-forgetme = Удалить все ваши данные
privacy-mydata-caption = 📦 Здесь всё, что мы о вас храним: профиль, диалоги, сообщения, заявки на проекты, обращения, сведения о присланных файлах и ответы незавершённой заявки.
privacy-mydata-nothing = Мы не храним о вас никаких данных.
privacy-forget-confirm = 🗑 Удалить все ваши данные?

    Ваши диалоги, сообщения, заявки и файлы сразу будут скрыты от нашей команды и окончательно удалены через { $days } дн. До этого вы можете передумать командой /forgetme cancel.
privacy-button-forget = Да, удалить мои данные
privacy-button-keep = Нет, оставить
privacy-forget-done = ✅ Готово. Ваши данные скрыты от нашей команды и будут окончательно удалены { $date }. Передумали? Отправьте /forgetme cancel до этой даты.
privacy-forget-kept = 👍 Ничего не удалено.
privacy-forget-pending = Ваши данные уже запланированы к удалению { $date }. Чтобы сохранить их, отправьте /forgetme cancel.
privacy-forget-cancelled = ✅ Запрос на удаление отменён, ваши данные восстановлены.
privacy-forget-nothing-to-cancel = Нет запроса на удаление, который можно отменить.
privacy-forget-usage = Отправьте /forgetme, чтобы удалить свои данные, или /forgetme cancel, чтобы отменить запрос.
# В группе агентов вместо сообщения о стёртом человеке (слишком старого, чтобы удалить)
privacy-removed-in-group = 🗑 (удалено по просьбе человека)

## /admin gdpr (для администраторов)
privacy-admin-usage = Использование: <code>/admin gdpr export|delete|cancel USER</code>, где USER — Telegram id или @username.
privacy-admin-unknown-user = Пользователь { $user } не найден.
privacy-admin-exported = 📦 Данные пользователя { $user }.
privacy-admin-delete-confirm = 🗑 Удалить все данные пользователя { $user }? Они сразу будут скрыты от агентов и окончательно удалены через { $days } дн. (до этого <code>/admin gdpr cancel { $user }</code> их восстановит).
privacy-admin-deleted = ✅ Данные пользователя { $user } скрыты и будут окончательно удалены { $date }.
privacy-admin-kept = 👍 Данные пользователя { $user } не удалены.
privacy-admin-cancelled = ✅ Удаление пользователя { $user } отменено.
privacy-admin-nothing-to-cancel = У пользователя { $user } нет запроса на удаление.
