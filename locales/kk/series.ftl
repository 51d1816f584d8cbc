# Recurring help (issue 19): a request that repeats; its set-up form, its card, the first offer
# to the previous volunteer.
cmd-series = Қайталанатын өтінімдер: үзіліс, өткізіп жіберу, аяқтау

btn-series-repeat = 🔁 Қайталау
btn-series-open = 🔁 № { $id } қайталау
btn-series-pause = ⏸ Үзіліс
btn-series-resume = ▶️ Жалғастыру
btn-series-skip = ⏭ Келесісін өткізу
btn-series-end = ⏹ Аяқтау
btn-series-take = ✅ Мен орындаймын
btn-series-decline = ❌ Орындай алмаймын
btn-series-kind-weekly = Апта күндері бойынша
btn-series-kind-every = Әр N күн сайын
btn-series-kind-monthly = Айына бір рет
btn-series-open-ended = Мерзімсіз
btn-series-until-date = Белгілі күнге дейін
btn-series-edit-repeat = ✏️ Қаншалықты жиі
btn-series-edit-at = ✏️ Уақыты
btn-series-edit-until = ✏️ Мерзімі

series-day-mon = дүйсенбі
series-day-tue = сейсенбі
series-day-wed = сәрсенбі
series-day-thu = бейсенбі
series-day-fri = жұма
series-day-sat = сенбі
series-day-sun = жексенбі

series-intro = 🔁 № { $id } өтінім қайталанатын болады: әр жолы еріктілерге жаңа тапсырма жасалады. Бірнеше сұраққа жауап беріңіз.
series-ask-repeat = Қаншалықты жиі қайталау керек?
series-ask-days = Аптаның қай күндері? Белгілеп, «Дайын» батырмасын басыңыз.
series-need-day = Кемінде бір күнді белгілеңіз.
series-ask-every = Неше күн сайын? 1-ден 60-қа дейінгі санды жазыңыз.
series-bad-every = Күн санын 1-ден 60-қа дейін жазыңыз, мысалы 3.
series-ask-mday = Әр айдың нешесінде? 1-ден 31-ге дейінгі санды жазыңыз (31 — айдың соңғы күні).
series-bad-mday = 1-ден 31-ге дейінгі санды жазыңыз, мысалы 15.
series-ask-at = Тапсырманы сағат нешеде жасау керек? Уақытты жазыңыз, мысалы 10:00 (аумағыңыздың уақыты).
series-bad-at = Уақытты СС:ММ түрінде жазыңыз, мысалы 09:30.
series-ask-end = Қай мерзімге дейін қайталау керек?
series-ask-until = Соңғы күнді КК.АА.ЖЖЖЖ түрінде жазыңыз (бір жылдан кешіктірмей).
series-bad-until = Болашақтағы күн КК.АА.ЖЖЖЖ түрінде керек, бір жылдан кешіктірмей, мысалы 31.03.2027.

series-rule = { $kind ->
    [weekly] әр апта ({ $days }) сағат { $time }
    [monthly] әр айдың { $day }-күні сағат { $time }
   *[every] әр { $n } күн сайын, сағат { $time }
}
series-until-none = мерзімсіз
series-until-date = соңғы күні — { $date }
series-status = { $status ->
    [active] ✅ жүріп жатыр
    [paused] ⏸ үзілісте
   *[ended] ⏹ аяқталды
}

series-summary =
    <b>№ { $request } өтінімді қайталау</b>
    Қаншалықты жиі: { $rule }
    Мерзімі: { $until }

    Бәрі дұрыс па?
series-started = 🔁 Дайын: № { $id } қайталау жасалды. Келесі тапсырма: { $next }.
series-exists = Бұл өтінімнің № { $id } қайталауы бар.
series-not-allowed = Бұл өтінім немесе қайталау сізге қолжетімсіз.
series-not-repeatable = № { $id } өтінімді қайталауға болмайды: оның күші жойылған, көмексіз жабылған немесе деректері өшірілген.
series-repeat-usage = Өтінім нөмірін жазыңыз: /repeat 125

series-card =
    🔁 <b>№ { $id } қайталау</b>: { request-kind } (№ { $request } өтінім бойынша)
    Қаншалықты жиі: { $rule }
    Мерзімі: { $until }
    Күйі: { series-status }
    Келесі тапсырма: { $next }
    Жасалған тапсырмалар: { $count }
series-paused = ⏸ № { $id } қайталау үзілісте.
series-resumed = ▶️ № { $id } қайталау қайта жүріп жатыр.
series-skipped = ⏭ { $date } күнгі тапсырма жасалмайды.
series-ended = ⏹ № { $id } қайталау аяқталды.
series-stale = Бұл орындалып қойған: карточка жаңартылды.

series-list-title = <b>Қайталанатын өтінімдер</b> (өтінімнен қайталау жасау: /repeat нөмірі)
series-list-line = № { $id }: { request-kind }, { $rule } — { series-status }
series-list-empty = Қайталанатын өтінімдер жоқ. Өтінімнен қайталау жасау: /repeat нөмірі

series-occurrence-created = 🔁 Қайталауыңыз бойынша { $date } күнге № { $id } өтінім жасалды. Ерікті іздеп жатырмыз.
series-finished = 🔁 № { $id } қайталау аяқталды: мерзімі өтті.
series-changed = 🔁 № { $id } қайталау: үйлестіруші { $action ->
    [pause] оны уақытша тоқтатты
    [resume] оны жалғастырды
    [skip] келесі тапсырманы өткізіп жіберді
   *[end] оны аяқтады
}.
series-first-offer =
    🔁 <b>№ { $id } тапсырма</b>: { request-kind }, { $date }
    Өткен жолы оны сіз орындадыңыз. Тағы орындайсыз ба? Сағат { $until } болғанша жауап беріңіз, одан кейін тапсырманы басқа еріктілер көреді.
series-declined = Жарайды, № { $id } тапсырманы басқа еріктілерге ұсынамыз.
series-offer-stale = Бұл ұсыныс енді жарамсыз.

audit-action-series-start = өтінімді қайталау жасалды
audit-action-series-pause = қайталау үзілісте
audit-action-series-resume = қайталау жалғастырылды
audit-action-series-skip = қайталау тапсырмасы өткізілді
audit-action-series-end = қайталау аяқталды

scheduler-job-series = Қайталанатын өтінімдер: кесте бойынша тапсырма жасау, өткен ерікті жауап бермесе, барлығына ұсыну
