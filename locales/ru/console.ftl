## The coordinators' request console (issue 19)

btn-console-filters = 🔎 Фильтры
btn-console-show = Показать
btn-console-reset = Сбросить фильтры
btn-console-note = 📝 Заметка для штаба
btn-console-cancel = ✖️ Отменить с причиной
btn-console-reassign = 🔄 Переназначить
btn-console-find = 🔎 Найти по имени или телефону

console-filters-title = <b>Фильтры заявок.</b> В скобках — сколько заявок покажет выбор. Нажмите на выбранный фильтр ещё раз, чтобы снять его, затем «Показать».
console-status = { $status ->
    [open] Открытые
    [new] Ищем волонтёра
    [taken] Волонтёр назначен
    [on_way] В пути
    [done] Выполнены
    [cancelled] Отменены
    [failed] Не удалось помочь
   *[all] Все
} ({ $count })
console-urgency = { $urgency ->
    [today] 🚨 Сегодня
    [soon] 3 дня
   *[planned] Планово
} ({ $count })
console-overdue = ⏰ Просрочены ({ $count })
console-unattended = ⚠️ Без исполнителя ({ $count })
console-kind = { request-kind } ({ $count })
console-territory = { $name } ({ $count })
console-title = <b>{ $status ->
    [new] Ищем волонтёра
    [taken] Волонтёр назначен
    [on_way] В пути
    [done] Выполненные
    [cancelled] Отменённые
    [failed] Не удалось помочь
   *[all] Все заявки
}</b>: { $total }
console-filtered = Включены фильтры: «🔎 Фильтры», чтобы изменить.
console-empty-filtered = Под выбранные фильтры заявок нет. Измените их: «🔎 Фильтры».
console-urgent-mark = {" "}· 🚨
console-overdue-mark = {" "}· ⏰ просрочена

console-history-title = <b>История</b> (предложена волонтёрам: { $offered }):
console-event = { $at } — { $kind ->
    [created] создана
    [offered] предложена волонтёрам
    [widened] предложена большему числу волонтёров
    [held_quiet] ждёт утра (тихие часы)
    [duty_alerted] передана дежурным координаторам
    [released] предложена утром
    [circle_neighbours] предложена соседним территориям
    [circle_hq] предложена всему штабу
    [coordinators_alerted] координаторы оповещены
    [taken] взята волонтёром
    [assigned] назначена координатором
    [on_way] волонтёр в пути
    [done] выполнена
    [cannot] волонтёр не может выполнить
    [reoffered] предложена снова
    [cancelled] отменена
    [failed] не удалось помочь
    [reminder_sent] волонтёру напомнили
    [still_doing] волонтёр ещё выполняет
    [reminder_unanswered] волонтёр не ответил на напоминание
    [reassigned] переназначена
    [overdue] просрочена
    [note] 📝 заметка
    [asked] координатор попросил волонтёра взять
    [series_occurrence] создана по расписанию
    [series_first_offer] предложена прежнему волонтёру
    [series_declined] волонтёр отказался
    [series_timeout] время на ответ истекло
    [rated] оценена
   *[other] { $kind }
}
console-event-who = {" "}· { $who }
console-event-text = : «{ $text }»

console-ask-note = Напишите заметку к заявке № { $id }. Её увидят только координаторы.
console-bad-note = Напишите заметку текстом: от 1 до { $max } символов.
console-note-saved = Заметка к заявке № { $id } сохранена.
console-ask-cancel-reason = Почему отменяете заявку № { $id }? Причину получит заявитель.
console-bad-reason = Напишите причину текстом: от 1 до { $max } символов.
console-request-cancelled = Заявка № { $id } отменена. Заявитель получил причину.
console-request-cancelled-by-hq = ✖️ Штаб отменил заявку № { $id }. Причина: { $reason }. Если помощь всё ещё нужна, позвоните в штаб или создайте новую заявку.
console-task-reassigned = Задачу № { $id } координатор передал другому волонтёру. Спасибо, что откликнулись!

console-ask-find = Кому передать заявку № { $id }? Напишите часть имени или от 3 цифр телефона.
console-bad-find = Напишите имя или цифры телефона: от 1 до { $max } символов.
console-found = { $count ->
    [0] По запросу «{ $query }» подходящих свободных волонтёров нет.
    [one] По запросу «{ $query }» найден { $count } волонтёр.
    [few] По запросу «{ $query }» найдено { $count } волонтёра.
   *[many] По запросу «{ $query }» найдено { $count } волонтёров.
}
console-assign-title = Кому передать <b>заявку № { $id }</b> ({ request-status })?
console-reassign-title = Кому переназначить <b>заявку № { $id }</b> ({ request-kind })? Сначала — волонтёры с нужными навыками.
console-candidate = • { $name }, { $phone }: задач в работе { $tasks }, последняя активность { $seen }

console-daily-summary =
    📊 <b>Сводка на { $date }</b>
    Новых за сутки: { $new }
    Открытых: { $open }
    Просроченных: { $overdue }
    Без исполнителя: { $unattended }
    Выполнено вчера: { $done }
    Волонтёров без активности 14 дней: { $silent }
    Подробнее: /requests

audit-action-request-note = заметка к заявке
audit-action-request-cancelled = отмена заявки штабом
audit-action-request-reassigned = переназначение заявки
audit-action-request-replaced = замена волонтёра на заявке (не отвечал на напоминание)
console-request-not-held = Заявка № { $id } уже не у волонтёра: { request-status }. Откройте карточку заново.
console-series = 🔁 Регулярные ({ $count })
console-ask-accept =
    📌 Координатор просит вас взять <b>задачу № { $id }</b>: { request-kind }
    Территория: { $territory }
    Когда: { request-urgency }, { request-window }
    Ответьте до { $until }: потом задачу предложим другим волонтёрам.
console-asked = Заявка № { $id } предложена волонтёру { $name }. Ждём ответа до { $until }; если не ответит, заявку увидят все подходящие волонтёры.
console-ask-running = Заявку № { $id } уже предложили одному волонтёру, ждём его ответа.
audit-action-request-asked = просьба взять заявку
