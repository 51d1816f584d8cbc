# Exporting a campaign's people for medical organisations (handlers/coordinator/campaign_export.py)

btn-campaign-export = 📤 Выгрузка
cexp-choose =
    📤 Выгрузка кампании «{ $name }» (№ { $id }).

    Файл содержит персональные данные: передавайте его только медицинской организации.
    Выберите формат, статус, территорию и период и нажмите «Выгрузить».
cexp-fmt-xlsx = XLSX (Excel)
cexp-fmt-csv = CSV
cexp-status-all = Все
cexp-status-reached = Дозвонились
cexp-status-vaccinated = Привиты
cexp-status-planning = Планируют
cexp-status-unwell = Плохое самочувствие
cexp-status-refused = Отказались
cexp-status-unreachable = Не дозвонились
cexp-status-stopped = Звонки прекращены
cexp-territory-all = Все территории
cexp-period-all = За всё время
cexp-period-7 = 7 дней
cexp-period-30 = 30 дней
cexp-btn-run = 📤 Выгрузить
cexp-btn-back = ↩️ К кампании
cexp-refused = Кампания не найдена или не в ваших территориях.
cexp-busy = Ваша предыдущая выгрузка ещё готовится. Дождитесь файла.
cexp-started = ⏳ Готовлю выгрузку…
cexp-progress = ⏳ Выгружено строк: { $rows }…
cexp-done = { $rows ->
    [one] ✅ Выгрузка готова: { $rows } строка.
    [few] ✅ Выгрузка готова: { $rows } строки.
   *[other] ✅ Выгрузка готова: { $rows } строк.
}
cexp-empty = Под выбранные условия никто не подходит: файла нет.
cexp-failed = ⚠️ Выгрузка не удалась. Попробуйте ещё раз позже.
cexp-caption = 📤 «{ $name }»: персональные данные, только для медицинской организации.
cexp-caption-clinic = 📤 «{ $name }» — { $clinic }: персональные данные, только для этой медицинской организации.
cexp-sheet = Люди
cexp-no-clinic = Без поликлиники
cexp-yes = да
cexp-no = нет
cexp-col-name = ФИО
cexp-col-birth-year = Год рождения
cexp-col-phone = Телефон
cexp-col-territory = Территория
cexp-col-address = Адрес
cexp-col-clinic = Поликлиника
cexp-col-status = Статус
cexp-col-last-outcome = Последний результат
cexp-col-last-contact = Последний звонок или визит
cexp-col-attempts = Попыток
cexp-col-vaccinated = Привит(а)
cexp-col-vaccinated-at = Когда спросили о прививке
cexp-col-feeling = Самочувствие
cexp-col-feeling-at = Когда спросили о самочувствии
cexp-col-unwell-note = Что беспокоит
cexp-col-reason = Причина, почему не привит(а)
cexp-col-reason-at = Когда назвали причину
cexp-col-planned-on = Планирует привиться
cexp-row-vaccinated = привит(а)
cexp-row-unwell = привит(а), плохое самочувствие
cexp-row-planning = не привит(а), планирует
cexp-row-refused = отказ
cexp-row-stopped = звонки прекращены
cexp-row-unreachable = не дозвонились
cexp-row-waiting = ещё не дозвонились
cexp-feeling-well = хорошо
cexp-feeling-slight = лёгкое недомогание
cexp-feeling-unwell = плохо
cexp-outcome = { $outcome ->
    [reached] дозвонились
    [no_answer] не отвечает
    [busy] занято
    [wrong_number] неверный номер
    [refused] отказ
    [moved] переехал(а)
    [died] умер(ла)
    [not_home] нет дома
   *[other] { $outcome }
}
