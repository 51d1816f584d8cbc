## The volunteer calendar (issue 18): days of action, sign-ups, the waiting list, hours.
cmd-events = Календарь событий для волонтёров
cmd-calendar = Календарь событий: создать, записи, явка
btn-events = 📅 События

## A volunteer's side.
btn-evt-join = ✅ Записаться
btn-evt-cancel = ✖️ Отменить запись
btn-evt-all = 📅 Все события
evt-not-volunteer = Календарь событий — для волонтёров штаба. Станьте волонтёром: /volunteer
evt-my-title = 📅 Ближайшие события. Ваши записи отмечены: ✅ — вы записаны, ⏳ — в листе ожидания.
evt-my-empty = Ближайших событий для вас пока нет. Когда координатор создаст событие, мы пришлём приглашение.
evt-card =
    📅 <b>{ $title }</b>
    Когда: { $when }
    Где: { $place }
    Территория: { $territory }
    Свободных мест: { $free } из { $slots }
evt-you-going = ✅ Вы записаны.
evt-you-waiting = ⏳ Вы в листе ожидания: № { $position }. Если кто-то отменит запись, место перейдёт к вам.
evt-you-free = { $free ->
    [0] Мест нет: можно встать в лист ожидания.
   *[other] Записаться можно кнопкой ниже.
}
evt-you-called-off = ❗ Событие отменено координатором.
evt-joined = ✅ Вы записаны!
evt-waiting = ⏳ Мест нет. Вы в листе ожидания: № { $position }.
evt-already-going = Вы уже записаны.
evt-already-waiting = Вы уже в листе ожидания: № { $position }.
evt-closed = Запись на это событие закрыта.
evt-not-for-you = Это событие для других волонтёров (другая территория или направление).
evt-nothing-to-cancel = Отменять нечего: записи нет, или событие уже началось либо отменено.
evt-cancelled = Запись отменена.
evt-invite =
    📅 <b>Новое событие: { $title }</b>
    Когда: { $when }
    Где: { $place }
    Территория: { $territory }
    Мест: { $slots }
evt-promoted =
    🎉 Освободилось место — вы записаны!
    <b>{ $title }</b>
    Когда: { $when }
    Где: { $place }
evt-remind-day =
    ⏰ Напоминание: завтра событие «{ $title }».
    Когда: { $when }
    Где: { $place }
    Если не сможете прийти, отмените запись: место перейдёт следующему.
evt-remind-soon =
    ⏰ Через 2 часа: «{ $title }».
    Когда: { $when }
    Где: { $place }
evt-profile-hours = 📅 Из них на событиях календаря: { $hours }
evt-thanks = 🙏 Спасибо, что пришли на «{ $title }» ({ $when })! В вашу книжку добавлено часов: { $hours }.
evt-called-off = ❗ Событие «{ $title }» ({ $when }) отменено координатором.

## The coordinator's side.
btn-evt-new = ➕ Новое событие
btn-evt-attendance = ✅ Отметить явку
btn-evt-attendance-ok = 💾 Подтвердить явку
btn-evt-call-off = ✖️ Отменить событие
btn-evt-call-off-ok = Да, отменить
btn-evt-admin-list = 📅 Все события
btn-evt-edit-what = ✏️ Событие и дата
btn-evt-edit-territory = ✏️ Территория
btn-evt-edit-when = ✏️ Дата и длительность
btn-evt-edit-place = ✏️ Место
btn-evt-edit-slots = ✏️ Мест
btn-evt-edit-kinds = ✏️ Кого приглашаем
evt-admin-list = 📅 События ваших территорий: ближайшие и за последние 30 дней.
evt-admin-empty = Событий пока нет. Создайте первое: можно взять день действий из календаря добровольцев.
evt-status-open = запись открыта
evt-status-done = явка отмечена
evt-status-cancelled = отменено
evt-admin-card =
    📅 <b>{ $title }</b> ({ $status })
    Когда: { $when }, часов: { $duration }
    Где: { $place }
    Территория: { $territory }
    Кого приглашаем: { $kinds }
    Записаны: { $taken } из { $slots }
evt-admin-going = { $count ->
    [0] Пока никто не записался.
   *[other] Записаны:
}
evt-admin-more = … и ещё { $count }
evt-admin-waiting = Лист ожидания:
evt-admin-came = { $count ->
    [0] Никто не отмечен как пришедший.
   *[other] Пришли (часы добавлены):
}
evt-attendance = Кто пришёл на «{ $title }» ({ $when })? Отметьте и подтвердите: каждому добавятся часы события.
evt-attendance-saved = { $count ->
    [one] Явка сохранена: { $count } волонтёр.
    [few] Явка сохранена: { $count } волонтёра.
   *[other] Явка сохранена: { $count } волонтёров.
}
evt-attendance-done = Явка на это событие уже отмечена.
evt-not-started = Явку можно отметить, когда событие начнётся.
evt-call-off-confirm = Отменить «{ $title }» ({ $when })? Все записавшиеся получат сообщение.
evt-called-off-done = Событие отменено.

## The creation form (code "evt").
evt-no-territories = Нет территорий, где можно провести событие. Как их загрузить, подскажет /territories.
evt-start = Новое событие. Отвечайте на вопросы; в конце можно всё проверить и исправить.
evt-ask-template = Выберите день действий из календаря добровольцев или создайте своё событие.
evt-own-event = ✏️ Своё событие
evt-ask-title = Как называется событие? (от 3 до 200 символов)
evt-bad-title = Напишите название от 3 до 200 символов.
evt-ask-territory = Где пройдёт событие? Выберите территорию: приглашения получат её волонтёры.
evt-ask-when = Когда начало? Напишите дату и время по местному времени, например 05.12.2026 10:00.
evt-ask-when-suggested = Когда начало? Ближайшая дата этого дня действий — { $when } (кнопка ниже), или напишите свою, например 05.12.2026 10:00.
evt-bad-when = Напишите дату и время начала в будущем, например 05.12.2026 10:00.
evt-ask-duration = Сколько часов длится событие? Столько часов добавится каждому пришедшему.
evt-hours = { $n ->
    [one] { $n } час
    [few] { $n } часа
   *[other] { $n } часов
}
evt-ask-place = Где собираемся? Напишите адрес или место встречи.
evt-bad-place = Напишите место от 3 до 300 символов.
evt-ask-slots = Сколько волонтёров нужно? Выберите или напишите число.
evt-bad-slots = Напишите число мест от 1 до { $max }.
evt-ask-kinds = Кого приглашаем? Отметьте направления и нажмите «Готово».
evt-pick-kind = Отметьте хотя бы одно направление (или «Все волонтёры»).
evt-kind-any = Все волонтёры
evt-kind-silver = «Серебряные волонтёры» (55+)
evt-summary =
    <b>Проверьте событие</b>
    Событие: { $title }
    Когда: { $when }, { $duration } ч
    Где: { $place }
    Территория: { $territory }
    Мест: { $slots }
    Кого приглашаем: { $kinds }
evt-summary-hint = Всё верно? Подтвердите — подходящие волонтёры получат приглашение.
evt-territory-changed = Эта территория больше не в вашей зоне. Выберите другую.
evt-created = { $count ->
    [0] ✅ Событие создано. Подходящих волонтёров пока нет.
    [one] ✅ Событие создано. Приглашение отправлено { $count } волонтёру.
   *[other] ✅ Событие создано. Приглашения отправлены волонтёрам: { $count }.
}

## The audit log's words for the calendar's actions.
audit-action-event-create = Событие календаря создано
audit-action-event-attendance = Явка на событие отмечена, часы начислены
audit-action-event-call-off = Событие календаря отменено
