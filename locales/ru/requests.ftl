## Help requests (the volunteer's push and what the requester hears)

request-kind = { $kind ->
    [groceries] Продукты
    [medicine] Лекарства
    [utilities] Коммунальные платежи
    [coal] Доставка угля
    [snow] Уборка снега
    [ride] Поездка или сопровождение
    [household] Помощь по дому
   *[other] Другая помощь
}
request-urgency = { $urgency ->
    [today] 🚨 сегодня
    [soon] в течение трёх дней
   *[planned] в назначенный день
}
request-push =
    🆕 <b>Задача № { $id }</b>: { request-kind }
    Территория: { $territory }
    Когда: { request-urgency }, { $window }
btn-take-task = Взять
request-taken-by-other = Задачу № { $id } уже взял другой волонтёр. Спасибо, что откликнулись!
request-taken = Заявку № { $id } взял волонтёр { $name }. Мы сообщим, когда он будет в пути.
request-on-way = Волонтёр по заявке № { $id } в пути.
request-done = ✅ Заявка № { $id } выполнена. Спасибо, что обратились в штаб!
request-searching-again = Волонтёр не сможет выполнить заявку № { $id }. Ищем другого волонтёра.
request-cancelled = Заявку № { $id } отменили: задача больше не нужна.
