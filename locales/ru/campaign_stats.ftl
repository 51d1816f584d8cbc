## Campaign statistics (issue 17): the text report and the chart's labels

btn-campaign-stats = 📊 Статистика
cst-title = 📊 <b>{ $name }</b>: статистика
cst-scope = 👁 Только ваши территории.
cst-empty = В кампании пока нет людей.
cst-block =
    Людей: { $people }
    Звонили (хотя бы раз): { $called }
    Дозвонились: { $reached }
    ✅ Привиты: { $vaccinated }
    🗓 Собираются привиться (есть дата): { $planning }
    ⛔ Отказались: { $refused }
    🤒 Плохое самочувствие: { $unwell }
    📵 Не удалось дозвониться: { $unreachable }
    ⏹ Обзвон прекращён: { $stopped }
cst-reasons = Почему не привиты: { $reasons }
cst-reason-none = —
cst-reason-item = { $reason } — { $count }
cst-planned = Запланированные даты: { $weeks }
cst-planned-overdue = дата прошла — { $count }
cst-planned-week = неделя с { $date } — { $count }
cst-planned-later = позже — { $count }
cst-territories = <b>По территориям</b>
cst-territory-line = <b>{ $name }</b>: людей { $people }, дозвонились { $reached }, привиты { $vaccinated }, собираются { $planning }, отказались { $refused }, не дозвониться { $unreachable }
cst-others = Остальные ({ $count })
cst-total = Всего
cst-chart-title = { $name }: статистика
cst-seg-vaccinated = Привиты
cst-seg-planning = Собираются (есть дата)
cst-seg-declined = Не привиты, без даты
cst-seg-refused = Отказались
cst-seg-unreachable = Не дозвониться
cst-seg-stopped = Обзвон прекращён
cst-seg-in_progress = Звонили, ещё не дозвонились
cst-seg-not_called = Ещё не звонили
