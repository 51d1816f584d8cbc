## Delivery: personal data that could not be hidden (edit and delete refused, id unknown)

delivery-unhidden-title =
    ⚠️ <b>Личные данные, которые не удалось скрыть</b>, всего { $count }.
    Попросите этих людей удалить сообщение с данными (причина — ответ Telegram):
delivery-unhidden-row = чат { $chat } · { $when } · { $reason }
delivery-nothing-unhidden = Все личные данные, которые нужно было скрыть, скрыты.
