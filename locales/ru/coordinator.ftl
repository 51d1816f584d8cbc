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
