## Door-to-door visits of a vaccination follow-up campaign (issue 16).

cmd-visits = Маршрут подомового обхода
btn-visit-take = 🚪 Взять маршрут обхода
btn-visit-show = 🚪 К маршруту
btn-visit-partner = 👥 Позвать напарника
visits-not-on-campaign = Вы не участвуете ни в одной кампании. Когда координатор добавит вас, здесь появятся обходы.
visits-none = 🎉 Адресов для обхода по вашей территории сейчас нет.
visits-new-people = 🚪 Кампания «{ $name }»: в вашей территории { $count } чел. ждут подомового обхода.
visits-hours = Обходы — только в дневное время кампании и не в тихие часы. Попробуйте позже.
visits-still-yours = Этот маршрут всё ещё за вами: отметьте, кого застали.
visits-not-yours = Этот человек уже не на вашем маршруте: время вышло или результат уже записан.
visits-route-closed = Этот маршрут уже закрыт.
visit-route =
    🚪 <b>Маршрут обхода № { $id }</b> — { $campaign }
    Адресов: { $count }, осталось: { $left }. Маршрут ваш до { $until }.
    Отмечайте результат под карточкой каждого человека.
visit-route-partner = 👥 Напарник: { $name }
visit-route-owner = 👥 Маршрут волонтёра { $name }
visit-route-line = · { $name } — { visit-outcome }
visit-card =
    🚪 <b>{ $first }</b> — { $n } из { $count }
    { $name }, { $age }
    Адрес: { $address }
    Телефон: { $phone }
    Этап { $round } из { $rounds }, попытка { $attempt } из { $attempts }
visit-no-address = не указан
visit-card-hidden = 🚪 { $name } — { visit-outcome }
visit-outcome = { $outcome ->
    [reached] застали
    [not_home] нет дома
    [refused] отказ
    [moved] переехал(а)
    [died] умер(ла)
    [lapsed] время вышло
    [paused] кампания на паузе
    [closed] кампания закрыта
   *[other] { $outcome }
}
visit-status = { $status ->
    [queued] Зайдём ещё раз позже.
    [unreachable] Попытки закончились: решит координатор.
    [stopped] Больше не придём.
    [done] Все этапы по этому человеку пройдены.
   *[other] {""}
}
btn-visit-reached = ✅ Застали
btn-visit-not_home = 🚪 Нет дома
btn-visit-refused = 🙅 Отказ
btn-visit-moved = 🏠 Переехал(а)
btn-visit-died = 🕯 Умер(ла)
visits-saved = ✅ Записано: { visit-outcome }. { visit-status }
visit-script-saved = ✅ Разговор у двери записан. { visit-status }
visit-note-start = { $name }: нет дома.
visit-ask-note = Какую записку оставили? Коротко, например: «оставил записку в почтовом ящике».
visit-bad-note = Нужен короткий текст: от 2 до 300 символов.
visit-note-summary =
    🚪 Нет дома: { $name }
    Записка: { $note }
visit-route-closed = { $status ->
    [done] 🏁 Маршрут № { $id } пройден: застали { $reached }, нет дома { $not_home }, всего адресов { $count }. Адреса и телефоны скрыты.
   *[other] ⌛ Маршрут № { $id } закрыт: время вышло. Непройденные адреса вернулись в список, адреса и телефоны скрыты.
}
visit-partner-pick = Кого позвать напарником? Он увидит адреса маршрута и тоже сможет отмечать результаты.
visit-partner-none = В вашей территории нет других волонтёров этой кампании.
visit-partner-set = 👥 Напарник получил маршрут: { $name }.
visit-partner-refused = Не получилось: маршрут закрыт, напарник уже есть или у него свой маршрут.
visit-partner-added = 👥 { $name } зовёт вас напарником на маршрут обхода № { $id } (адресов: { $count }). Откройте маршрут, чтобы увидеть адреса.

## The coordinator's campaign card.
btn-campaign-to-visits = 🚪 Недозвоны → обход
btn-campaign-to-visits-yes = 🚪 Да, передать в обход
cmp-to-visits-confirm =
    Передать в подомовой обход тех, до кого не дозвонились ({ $count }), в кампании «{ $name }»?
    Волонтёры получат их адреса небольшими маршрутами.
cmp-to-visits-none = Недозвонившихся нет: передавать в обход некого.
cmp-to-visits-done = 🚪 Передано в обход: { $count }.
