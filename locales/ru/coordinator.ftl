## Coordinator tools

stats-users =
    👥 <b>Пользователи бота</b>
    Всего: { $total }
    Заблокировали бота: { $blocked }
    Читают по-русски: { $ru }
    Читают по-казахски: { $kk }

delivery-report =
    📬 <b>Доставка сообщений бота</b>
    В очереди: { $pending }
    Отправляются сейчас: { $sending }
    Доставлено: { $sent }
    Не доставлено: { $failed }
    Не отправлено, бот заблокирован: { $blocked }
delivery-failed-title = <b>Последние недоставленные</b> (причина — ответ Telegram):
delivery-failed-row = № { $id } · чат { $chat } · { $when } · { $reason }
delivery-nothing-failed = Недоставленных сообщений нет.
delivery-blocked-title = <b>Заблокировали бота</b>, всего { $count }:
delivery-blocked-row = { $name } (id { $id }), с { $when }
delivery-nobody-blocked = Никто не заблокировал бота.

scheduler-status =
    ⏰ <b>Планировщик</b>
    Напоминаний в ожидании: { $pending }
    Ближайшее: { $next_due }
    Пропущено, пока бот не работал: { $missed }
scheduler-jobs-title = <b>Регулярные задания</b> (время { $zone }):
scheduler-job-row = { $job }: следующий запуск { $next_run }
scheduler-job-reminders = Напоминания
scheduler-missed-title = <b>Последние пропущенные:</b>
scheduler-missed-row = № { $id } · { $kind } · чат { $chat } · срок { $due } · пропусков: { $count }
scheduler-none = нет
scheduler-not-running = остановлен
