## Файлы от пользователей (HTML; имена файлов экранирует код)
files-received = 📎 Получен файл: <b>{ $name }</b>
files-received-next = Спасибо! Команда увидит ваши файлы вместе с запросом.
files-rejected = ⛔ Не принят файл: <b>{ $name }</b>. { $reason }
files-rejected-too-big = Файл больше { $limit } МБ.
files-rejected-empty = Файл пустой.
files-rejected-type = Я принимаю только файлы PDF, DOC, DOCX, JPG, PNG, GIF и TXT, а для видео, голосовых и аудио — MP4, M4A, OGG и MP3.
files-rejected-mismatch = Содержимое файла не соответствует его расширению, поэтому я не могу его принять.
files-rejected-infected = Антивирусная проверка нашла в нём угрозу.
files-rejected-scan-failed = Сейчас не получается проверить файл на вирусы; попробуйте, пожалуйста, позже.
files-rejected-download = Не удалось скачать файл из Telegram; отправьте его, пожалуйста, ещё раз.
