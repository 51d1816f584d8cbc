## The volunteer's worklist of a vaccination follow-up campaign (issue 16).

cmd-calls = Следующий звонок по обзвону
btn-next-call = 📞 Следующий звонок
calls-not-on-campaign = Вы не участвуете ни в одном обзвоне. Когда координатор добавит вас в кампанию, здесь появятся звонки.
calls-list-empty = 🎉 Звонков по вашей территории больше нет.
calls-nothing-due = Сейчас звонить некому. Следующий звонок — { $date ->
        [none] в { $time }
       *[other] { $date } в { $time }
    }.
calls-still-yours = Этот человек всё ещё за вами: сначала отметьте результат звонка.
calls-not-yours = Этот звонок уже не ваш: время вышло или результат уже записан.
calls-released = ↩️ Человек возвращён в список.
calls-saved = Записано.
calls-outcome-saved = ✅ Записано: { call-outcome }. { call-status }
call-outcome = { $outcome ->
    [reached] дозвонились
    [no_answer] не отвечает
    [busy] занято
    [wrong_number] неверный номер
    [refused] отказ
    [moved] переехал(а)
    [died] умер(ла)
    [released] возвращён в список
    [lapsed] время вышло
    [paused] кампания на паузе
    [closed] кампания закрыта
   *[other] { $outcome }
}
call-status = { $status ->
    [queued] Позвоним ещё раз позже.
    [unreachable] Попытки закончились: решит координатор.
    [stopped] Больше звонить не будем.
    [done] Все звонки по этому человеку сделаны.
   *[other] {""}
}
call-card =
    📞 <b>{ $first }</b> — { $campaign }
    { $name }, { $age }
    Территория: { $territory }
    Телефон: { $phone }
    Звонок { $round } из { $rounds }, попытка { $attempt } из { $attempts }
call-card-age = { $age } лет ({ $year } г. р.)
call-card-address = Адрес: { $address }
call-card-before = Раньше:
call-card-before-line = · { $date } — { call-outcome }
call-card-hidden = 📞 { $name } — { call-outcome }
btn-call-reached = ✅ Дозвонились
btn-call-no_answer = 📵 Не отвечает
btn-call-busy = 🔁 Занято
btn-call-wrong_number = ❌ Неверный номер
btn-call-refused = 🙅 Отказ
btn-call-moved = 🏠 Переехал(а)
btn-call-died = 🕯 Умер(ла)
btn-call-release = ↩️ Вернуть в список

## The script.
script-start = Разговор: { $name }. Задайте вопросы по порядку и отмечайте ответы.
btn-script-yes = Да
btn-script-no = Нет
script-ask-vaccinated = Вы вакцинировались?
script-ask-feeling = Как вы себя чувствуете после прививки?
script-feeling-well = 🙂 Хорошо
script-feeling-slight = 😐 Лёгкое недомогание
script-feeling-unwell = 🤒 Плохо
script-ask-unwell = Что именно беспокоит? Напишите словами человека.
script-bad-note = Напишите коротко, от 2 до 300 знаков.
script-ask-reason = Почему нет?
script-reason-ill = Заболел(а)
script-reason-exempt = Медотвод
script-reason-fear = Сомнения или страх
script-reason-time = Нет времени
script-reason-transport = Не на чем добраться
script-reason-other = Другое
script-ask-reason-other = Какая причина? Напишите коротко.
script-ask-ride = Оформить поездку? Волонтёр отвезёт на прививку.
script-ask-planned = Когда планируете прививку? Напишите дату (например, 25.12 или 25.12.2026) или нажмите «Не знаю».
script-planned-unknown = Не знаю
script-bad-date = Напишите дату так: 25.12 или 25.12.2026 (не раньше сегодняшней), или нажмите «Не знаю».
script-summary = <b>Проверьте ответы:</b>
script-sum-yes = Вакцинирован(а): да. Самочувствие: { $feeling }
script-sum-note = Жалобы: { $note }
script-sum-no = Вакцинирован(а): нет. Причина: { $reason }
script-sum-ride-yes = Поездка: оформить
script-sum-ride-no = Поездка: не нужна
script-sum-planned = Планирует: { $date }
script-saved = ✅ Разговор записан. { call-status }
script-unwell-sent = 🚑 Медики получили срочное сообщение.
script-ride-created = 🚗 Заявка на поездку № { $id } создана.
script-ride-details = Отвезти на вакцинацию и обратно (повторный обзвон).

## «Unwell» alerts to the medics.
alert-source = { $source ->
    [self] Ответ в боте (сам человек или родственник): { $caller }
   *[call] Звонил(а): { $caller }
}
btn-alert-ack = ✅ Принял
alert-unwell =
    🚑 <b>Плохое самочувствие после прививки</b> (№ { $id })
    { $name }
    Телефон: { $phone }
    Территория: { $territory }
    Жалобы: { $note }
    { alert-source }
alert-unwell-again =
    🚨 <b>Повторно: никто не принял за 15 минут</b> (№ { $id })
    { $name }
    Телефон: { $phone }
    Территория: { $territory }
    Жалобы: { $note }
    { alert-source }
alert-taken-by-you =
    ✅ <b>Вы приняли сообщение № { $id }</b>
    { $name }
    Телефон: { $phone }
    Территория: { $territory }
    Жалобы: { $note }
    { alert-source }
alert-taken-by = 🚑 Сообщение № { $id } ({ $name }) принял(а) { $medic }.
alert-taken-note = 🚑 Плохое самочувствие: { $name } (№ { $id }) — принял(а) { $medic }.
alert-taken-ok = Вы приняли сообщение.
alert-already-yours = Вы уже приняли это сообщение.
alert-already-taken = Это сообщение уже принял другой медик.
scheduler-job-campaign-calls = Кампании: вернуть в список брошенные звонки, повторить тревоги «плохо» без ответа медика
