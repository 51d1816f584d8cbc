## Recognition (issue 20): a volunteer's record (/mystats), the certificate, «Лучший доброволец»,
## the hours for the DOBRO.RF volunteer book (/dobro).

cmd-mystats = Мои итоги и благодарность
cmd-dobro = Часы волонтёров для DOBRO.RF
btn-my-stats = 🏅 Мои итоги

rec-hq-default = Штаб взаимопомощи
rec-not-volunteer = 🏅 Итоги есть у волонтёров штаба. Стать волонтёром: /volunteer
rec-mystats-head = 🏅 <b>{ $name }: мои итоги</b>
rec-record-head = 🏅 <b>Итоги волонтёра № { $id }: { $name }</b>
btn-rec-record = 🏅 Итоги
rec-since = В волонтёрах штаба с { $date }
rec-period-month = <b>Этот месяц ({ $month })</b>
rec-period-all = <b>За всё время</b>
rec-line-tasks = ✅ Задач выполнено: { $count }
rec-line-hours = ⏱ Часов: { $hours } (задачи — { $tasks }, мероприятия — { $events })
rec-line-events = 📅 Мероприятий посещено: { $count }
rec-line-calls = 📞 Звонков сделано: { $count }
rec-line-consultations = 🩺 Консультаций дано: { $count }
rec-line-rating = ⭐ Средняя оценка: { $average } (оценок: { $count })
rec-line-no-rating = ⭐ Оценок пока нет
rec-line-thanks = 💐 Благодарностей: { $count }
rec-awards = 🏆 «Лучший доброволец»: { $list }
rec-award-item = { $month } — { $territory }
rec-thanks-explained = <i>Благодарность — это оценка «5 звёзд» или оценка не ниже «4 звёзд» со словами благодарности от того, кому вы помогли.</i>
rec-no-dobro-hint = ℹ️ В профиле нет вашего ID DOBRO.RF: добавьте его (/profile → «✏️ Изменить профиль»), чтобы часы можно было засчитать.
btn-rec-cert-year = 🖼 Благодарность за { $year } год
btn-rec-cert-all = 🖼 Благодарность за всё время
btn-rec-book = 📄 Часы для DOBRO.RF

## The certificate (a PNG).
rec-cert-title = Благодарность
rec-cert-subtitle = вручается волонтёру
rec-cert-body-year = за помощь людям в { $year } году
rec-cert-body-all = за помощь людям с { $since } по { $until }
rec-cert-tasks = Выполнено задач: { $count }
rec-cert-hours = Отдано часов: { $hours }
rec-cert-events = Мероприятий: { $count }
rec-cert-calls = Звонков: { $count }
rec-cert-thanks = Благодарностей от людей: { $count }
rec-cert-rating = Средняя оценка: { $average } из 5
rec-cert-footer = Дата: { $date }
rec-cert-caption = 🖼 Благодарность от штаба: её можно сохранить или переслать.
rec-cert-busy = ⏳ Готовлю благодарность…

## The hours for DOBRO.RF: the file's columns and rows.
rec-col-date = Дата
rec-col-hours = Часы
rec-col-org = Организация
rec-col-activity = Вид деятельности
rec-col-dobro = ID DOBRO.RF
rec-col-name = ФИО
rec-activity-task = Помощь: { request-kind } (заявка № { $id })
rec-activity-event = Мероприятие: { $title } (№ { $id })
rec-no-dobro = не указан
rec-book-caption = 📄 Часы для книжки волонтёра DOBRO.RF: строк — { $rows }, часов — { $hours }.
rec-book-empty = Пока нечего выгружать: нет выполненных задач и отмеченных мероприятий.

## «Лучший доброволец»: the proposal to the territory's coordinators and the award.
rec-top-proposal =
    🏆 <b>«Лучший доброволец» — { $territory }, { $month }</b>
    Лучшие волонтёры прошлого месяца по баллам:
    { $candidates }

    Баллы: 10 за задачу, 2 за час (задачи и мероприятия), 2 за каждую звезду оценки выше трёх (ниже — минус). ✅ задачи · ⏱ часы · ★ средняя оценка.
    Нажмите на имя, чтобы наградить: волонтёр получит благодарность от штаба.
scheduler-job-recognition = «Лучший доброволец»: 1-го числа в 10:00 по местному времени предложить координаторам лучших волонтёров прошлого месяца
rec-btn-award = 🏅 { $name }
rec-awarded = 🏅 Награда «Лучший доброволец» за { $month } вручена: { $name }. Благодарность отправлена.
rec-award-already = Награда «Лучший доброволец» за { $month } по этой территории уже вручена: { $name }. Вторая не вручается.
rec-award-gone = Это предложение устарело или относится не к вашим территориям.
rec-top-awarded = 🏆 «Лучший доброволец» — { $territory }, { $month }: награда вручена — { $name }.
rec-award-thanks =
    🏆 <b>Вы — «Лучший доброволец» за { $month }!</b>
    { $territory }: выполнено задач — { $tasks }, часов помощи людям — { $hours }.
    Спасибо вам за доброе дело! — { $hq }

## /dobro: a coordinator's export of their territories' hours.
rec-dobro-usage = /dobro — прошлый месяц; /dobro 11.2026 — месяц; /dobro 2026 — год; /dobro 01.11.2026-15.11.2026 — период.
rec-dobro-bad = Не понял период «{ $text }».
    { rec-dobro-usage }
rec-dobro-preparing = ⏳ Готовлю часы за { $period }…
rec-dobro-caption = 📄 Часы для DOBRO.RF за { $period }: строк — { $rows }, волонтёров — { $volunteers }, часов — { $hours }.
rec-dobro-empty = За { $period } выгружать нечего: нет выполненных задач и отмеченных мероприятий.

audit-action-volunteer-award = наградил(а) «Лучший доброволец»
audit-action-dobro-export = выгрузил(а) часы для DOBRO.RF
