## Exports (/export), statistics for a period and the yearly report (/report): issue 20

cmd-export = Выгрузки: заявки, волонтёры, часы
cmd-report = Статистика за период и годовой отчёт

exp-menu =
    📤 <b>Выгрузки</b>

    Что выгрузить? Файл придёт сюда как документ (XLSX или CSV).
exp-kind-requests = 📋 Заявки
exp-kind-volunteers = 🙋 Волонтёры
exp-kind-hours = ⏱ Часы волонтёров
exp-kind-campaigns = 📣 Итоги кампаний
exp-choose =
    📤 Выгрузка: { $kind }

    Выберите формат, статус, территорию и период и нажмите «Выгрузить».
    Персональные данные (имена, телефоны, адреса) — только по вашим территориям; храните файл бережно.
exp-fmt-xlsx = XLSX (Excel)
exp-fmt-csv = CSV
exp-status-all = Все
exp-status-open = Ищем волонтёра
exp-status-work = В работе
exp-status-done = Выполнены
exp-status-cancelled = Отменены
exp-status-failed = Не удалось помочь
exp-status-approved = Активные
exp-status-pending = На проверке
exp-status-inactive = Ушли или отклонены
exp-territory-all = Все территории
exp-personal-on = 👤 С персональными данными: да
exp-personal-off = 👤 С персональными данными: нет
exp-btn-run = 📤 Выгрузить
exp-btn-back = ↩️ Назад
exp-busy = Ваша предыдущая выгрузка или отчёт ещё готовится. Дождитесь файла.
exp-started = ⏳ Готовлю выгрузку…
exp-progress = ⏳ Выгружено строк: { $rows }…
exp-done = { $rows ->
    [one] ✅ Выгрузка готова: { $rows } строка.
    [few] ✅ Выгрузка готова: { $rows } строки.
   *[other] ✅ Выгрузка готова: { $rows } строк.
}
exp-empty = Под выбранные условия ничего не подходит: файла нет.
exp-failed = ⚠️ Выгрузка не удалась. Попробуйте ещё раз позже.
exp-caption = 📤 { $kind }, { $period }
exp-sheet = Данные
exp-yes = да
exp-no = нет
exp-urgency-today = сегодня
exp-urgency-soon = 3 дня
exp-urgency-planned = планово
exp-rstatus-new = ищем волонтёра
exp-rstatus-taken = волонтёр назначен
exp-rstatus-on_way = волонтёр в пути
exp-rstatus-done = выполнена
exp-rstatus-cancelled = отменена
exp-rstatus-failed = не удалось помочь
exp-vstatus-pending = на проверке
exp-vstatus-approved = активен
exp-vstatus-rejected = отклонён
exp-vstatus-left = ушёл
exp-vstatus-blocked = заблокирован
exp-activity-request = заявка
exp-activity-event = мероприятие
exp-col-id = №
exp-col-created = Создана
exp-col-kind = Вид помощи
exp-col-urgency = Срочность
exp-col-status = Статус
exp-col-territory = Территория
exp-col-taken = Взята
exp-col-done = Выполнена
exp-col-take-hours = Ждала, ч
exp-col-hours = Часы
exp-col-rating = Оценка
exp-col-overdue = Просрочена
exp-col-person = Кому помощь
exp-col-phone = Телефон
exp-col-address = Адрес
exp-col-volunteer = Волонтёр
exp-col-volunteer-phone = Телефон волонтёра
exp-col-name = ФИО
exp-col-age = Возраст
exp-col-skills = Чем помогает
exp-col-applied = Анкета подана
exp-col-decided = Решение
exp-col-tasks = Задач выполнено
exp-col-dobro = ID DOBRO.RF
exp-col-date = Дата
exp-col-volunteer-territory = Территория волонтёра
exp-col-activity = Вид участия
exp-col-what = Что делали
exp-col-ref = №

rep-menu =
    📊 <b>Статистика</b>

    Выберите период. Годовой отчёт для министерства — файл XLSX одной кнопкой.
rep-period-week = Эта неделя
rep-period-month = Этот месяц
rep-period-last_month = Прошлый месяц
rep-period-year = Этот год
rep-period-last_year = Прошлый год
rep-period-all = За всё время
rep-period-dates = { $first } – { $last }
rep-btn-custom = 📅 Свои даты
rep-btn-yearly = 📑 Годовой отчёт { $year }
rep-dates-ask = Напишите первую и последнюю дату периода через пробел, например: 01.11.2026 30.11.2026
rep-dates-bad = Не понял даты. Напишите две даты через пробел, первая не позже второй, не больше трёх лет, годы с 2000 по следующий, например: 01.11.2026 30.11.2026
rep-counting = ⏳ Считаю…
rep-failed = ⚠️ Не удалось посчитать. Попробуйте ещё раз позже.
rep-title = 📊 <b>Статистика: { $period }</b>
rep-scope = 👁 Только ваши территории.
rep-empty = За этот период заявок и мероприятий нет.
rep-summary =
    Заявок: { $total }
    Ждут волонтёра: { $untaken }
    Просрочены: { $overdue }
    Медиана до отклика волонтёра: { $take } (ч:мин)
    Медиана до выполнения: { $close } (ч:мин)
    Активных волонтёров: { $volunteers }
    Часы по заявкам: { $request_hours }; на мероприятиях: { $event_hours } (мероприятий: { $events })
    Оценок: { $rated }, средняя: { $rating }
rep-item = { $name }: { $count }
rep-by-kind = <b>По видам помощи</b>
rep-by-status = <b>По статусам</b>
rep-by-territory = <b>По территориям</b>
rep-others = Остальные
rep-chart-title = Заявки: { $period }
rep-chart-kind = По видам помощи
rep-chart-status = По статусам
rep-chart-territory = По территориям
rep-yearly-started = ⏳ Готовлю годовой отчёт за { $year } год…
rep-yearly-done = ✅ Годовой отчёт за { $year } год готов.
rep-yearly-caption = 📑 Годовой отчёт за { $year } год

yr-sheet-requests = Заявки
yr-sheet-people = Получили помощь
yr-sheet-volunteers = Волонтёры по возрасту
yr-sheet-hours = Часы
yr-sheet-events = Мероприятия
yr-total = Итого
yr-col-territory = Территория
yr-col-done = Выполнено
yr-col-people = Людей получили помощь
yr-col-age = Возрастная группа
yr-col-involved = Волонтёров участвовало
yr-col-tasks = Задач выполнено
yr-col-hours = Часы
yr-col-registered = Активных в базе
yr-col-request-hours = Часы по заявкам
yr-col-event-hours = Часы на мероприятиях
yr-col-date = Дата
yr-col-event = Мероприятие
yr-col-participants = Участников

audit-action-export = Выгрузка (заявки, волонтёры, часы или годовой отчёт)
