## Delivery health (issue 20): why a message was not delivered, in words; what did not reach
## the coordinator; the export of everything undelivered

delivery-why-blocked = Человек заблокировал бота: ему не пишем, пока он сам не напишет боту.
delivery-why-cancelled = Рассылку отменили до отправки.
delivery-why-no-chat = Чат не найден: человек удалил аккаунт или бот ему недоступен.
delivery-why-too-long = Сообщение слишком длинное для Telegram.
delivery-why-no-original = Исправлять было нечего: исходное сообщение не было доставлено.
delivery-why-gave-up = Telegram долго не отвечал (сбой сервера или сети); после нескольких попыток отправка прекращена.
delivery-why-other = Telegram отказал; причина — в его ответе.
delivery-to-you-title = 📭 <b>Вам не удалось доставить:</b>
delivery-to-you-none = 📭 Все сообщения бота вам доставлены.
delivery-broadcasts-title = 📣 <b>Не доставлено в ваших рассылках:</b>
delivery-broadcasts-none = 📣 В ваших последних рассылках всё доставлено (кто заблокировал бота — в итоге каждой).
delivery-mine-row = { $when } · { $why } ({ $reason })
btn-delivery-xlsx = 📥 Выгрузить XLSX
btn-delivery-csv = 📥 Выгрузить CSV
delivery-export-wait = Готовлю файл…
delivery-export-caption = Не доставлено и заблокировали бота: { $rows } строк.
delivery-sheet = Не доставлено
delivery-col-kind = Что
delivery-col-when = Когда
delivery-col-chat = Чат
delivery-col-name = Имя
delivery-col-username = Username
delivery-col-status = Статус
delivery-col-subject = О чём
delivery-col-attempts = Попыток
delivery-col-reason = Ответ Telegram
delivery-col-why = Объяснение
audit-action-delivery-export = выгрузка недоставленных сообщений
