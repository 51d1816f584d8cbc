## Campaign statistics (issue 17): the text report and the chart's labels

btn-campaign-stats = 📊 Есеп
cst-title = 📊 <b>{ $name }</b>: науқан есебі
cst-scope = 👁 Тек сіздің аумақтарыңыз.
cst-empty = Науқанда әзірге адам жоқ.
cst-block =
    Адамдар: { $people }
    Қоңырау шалынды (кемінде бір рет): { $called }
    Хабарласа алдық: { $reached }
    ✅ Екпе алды: { $vaccinated }
    🗓 Екпе алмақ (күні бар): { $planning }
    ⛔ Бас тартты: { $refused }
    🤒 Денсаулығы нашар: { $unwell }
    📵 Хабарласа алмадық: { $unreachable }
    ⏹ Қоңырау тоқтатылды: { $stopped }
cst-reasons = Неліктен екпе алмады: { $reasons }
cst-reason-none = —
cst-reason-item = { $reason } — { $count }
cst-planned = Жоспарланған күндер: { $weeks }
cst-planned-overdue = күні өтті — { $count }
cst-planned-week = { $date } басталатын апта — { $count }
cst-planned-later = кейінірек — { $count }
cst-territories = <b>Аумақтар бойынша</b>
cst-territory-line = <b>{ $name }</b>: адамдар { $people }, хабарласа алдық { $reached }, екпе алды { $vaccinated }, екпе алмақ { $planning }, бас тартты { $refused }, хабарласа алмадық { $unreachable }
cst-others = Басқалары ({ $count })
cst-total = Барлығы
cst-chart-title = { $name }: науқан есебі
cst-seg-vaccinated = Екпе алды
cst-seg-planning = Екпе алмақ (күні бар)
cst-seg-declined = Екпе алмады, күні жоқ
cst-seg-refused = Бас тартты
cst-seg-unreachable = Хабарласа алмадық
cst-seg-stopped = Қоңырау тоқтатылды
cst-seg-in_progress = Қоңырау шалынды, әлі хабарласа алмадық
cst-seg-not_called = Әлі қоңырау шалынбады
