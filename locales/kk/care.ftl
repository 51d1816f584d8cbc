# Standing care for a senior (issue 19): a team of a social worker and two volunteers for one
# person, its schedule of visits or calls, the outcomes, missed visits.
cmd-teams = Қарт адамдарға тұрақты қамқорлық топтары
cmd-myteams = Қамқордағы адамдарым: карточка, барулар

btn-care-new = ➕ Жаңа топ
btn-care-team = 👥 № { $team } топ
btn-care-open = 👵 № { $team } топтың қамқордағы адамы
btn-care-add = ➕ Қосу: { $role ->
    [social_worker] әлеуметтік қызметкер
   *[volunteer] ерікті
}
btn-care-replace = 🔄 Ауыстыру: { $name }
btn-care-schedule = 🗓 Кесте
btn-care-end = ⏹ Қамқорлықты аяқтау
btn-care-erase = 🗑 Адамның деректерін жою
btn-care-yes-end = ⏹ Иә, аяқтау
btn-care-yes-erase = 🗑 Иә, жою
btn-care-no = ↩️ Жоқ, карточкаға оралу
btn-care-record = { $kind ->
    [call] ✍️ Қоңырауды белгілеу
   *[visit] ✍️ Баруды белгілеу
}
btn-care-record-on = { $kind ->
    [call] ✍️ { $date } қоңырауды белгілеу
   *[visit] ✍️ { $date } баруды белгілеу
}
btn-care-outcome = { $kind ->
    [call] { $outcome ->
        [fine] ✅ Сөйлестім, бәрі жақсы
        [help] 🆘 Сөйлестім, көмек керек
        [not_home] 📵 Хабарласа алмадым
       *[refused] 🙅 Адам бас тартты
    }
   *[visit] { $outcome ->
        [fine] ✅ Бардым, бәрі жақсы
        [help] 🆘 Бардым, көмек керек
        [not_home] 🚪 Үйден таппадым
       *[refused] 🙅 Адам бас тартты
    }
}
btn-care-still = ⏳ Әлі орындаймын
btn-care-cannot = ❌ Орындай алмаймын
btn-care-hand-over = ➡️ Тапсыру: { $name }
btn-care-kind = { $kind ->
    [call] 📞 Қоңырау
   *[visit] 🚶 Бару
}
btn-care-edit-name = ✏️ Аты-жөні мен телефоны
btn-care-edit-address = ✏️ Мекенжай
btn-care-edit-notes = ✏️ Ескертпелер
btn-care-edit-kind = ✏️ Бару немесе қоңырау

care-list-title = 👥 <b>Қамқорлық топтары</b>
care-list-empty = Әзірге қамқорлық топтары жоқ. Біріншісін төмендегі батырмамен құрыңыз.
care-list-line = № { $team }: { $name } (қатысушылар: { $members })

care-form-intro = 👥 Жаңа тұрақты қамқорлық тобы: алдымен адам туралы, содан кейін әлеуметтік қызметкер мен екі еріктіні қосасыз.
care-ask-territory = Адам қай аудан немесе қалада тұрады?
care-ask-name = Адамның аты-жөні қалай?
care-bad-name = Аты-жөнін жазыңыз: 2-ден 100 таңбаға дейін.
care-ask-phone = Адамның телефон нөмірі (болса), мысалы +7 701 123-45-67.
care-bad-phone = Бұл телефон нөміріне ұқсамайды. +7 701 123-45-67 түрінде жазыңыз немесе «Өткізіп жіберу» батырмасын басыңыз.
care-ask-address = Адамның мекенжайы (көше, үй, пәтер)?
care-bad-address = Мекенжайды жазыңыз: 5-тен 300 таңбаға дейін.
care-ask-notes = Топқа не білу маңызды (денсаулығы, қалай кіру керек, туыстары)? Өткізіп жіберуге болады.
care-bad-notes = Ескертпені 1000 таңбаға дейін жазыңыз немесе «Өткізіп жіберу» батырмасын басыңыз.
care-form-summary = 👥 <b>Жаңа қамқорлық тобы</b>
    Адам: { $name }
    Телефон: { $phone }
    Мекенжай: { $address }
    Ескертпелер: { $notes }
care-team-made = ✅ № { $team } топ құрылды. Оның карточкасында қатысушылар мен кестені қосыңыз.

care-team-card = 👥 <b>№ { $team } қамқорлық тобы</b> { $status ->
    [ended] (аяқталды)
   *[active] {""}
}
    Адам: { $name }
    Телефон: { $phone }
    Мекенжай: { $address }
    Ескертпелер: { $notes }

    <b>Қатысушылар</b>
    { $members }

    <b>Кесте</b>: { $schedule }
    Жақын күндер: { $upcoming }

    <b>Соңғы барулар</b>
    { $visits }
care-member-card = 👵 <b>№ { $team } топтың қамқордағы адамы</b>
    Адам: { $name }
    Телефон: { $phone }
    Мекенжай: { $address }
    Ескертпелер: { $notes }

    <b>Топ</b>
    { $members }

    <b>Кесте</b>: { $schedule }
    Жақын күндер: { $upcoming }

    <b>Соңғы барулар</b>
    { $visits }
care-member-line = • { $role ->
    [social_worker] әлеуметтік қызметкер
   *[volunteer] ерікті
}: { $name }
care-no-members = әзірге ешкім жоқ
care-no-schedule = белгіленбеген
care-schedule = { $kind ->
    [call] қоңырау
   *[visit] бару
}, { $rule }
care-no-visits = әзірге болған жоқ
care-visit-line = • { $when }, { $kind ->
    [call] қоңырау
   *[visit] бару
}: { $status ->
    [done] { $outcome ->
        [fine] бәрі жақсы
        [help] көмек керек
        [not_home] { $kind ->
            [call] хабарласа алмады
           *[visit] үйден таппады
        }
        [refused] адам бас тартты
       *[none] белгіленді
    }{ $late ->
        [yes] {" "}(⚠️ кешігіп)
       *[no] {""}
    }
    [missed] ⚠️ өткізіп алынды
   *[planned] жоспарланған
}

care-schedule-intro = 🗓 № { $team } топтың кестесі: қаншалықты жиі және қай уақытта барып тұру немесе қоңырау шалу керек.
care-ask-kind = Бұл бару ма, әлде қоңырау ма?
care-schedule-summary = 🗓 <b>№ { $team } топтың кестесі</b>
    { $kind ->
        [call] Қоңырау
       *[visit] Бару
    }: { $rule }
care-schedule-set = ✅ № { $team } топтың кестесі белгіленді. Ең жақын уақыт: { $next }.

care-pick-title = № { $team } топқа кімді қосамыз ({ $role ->
    [social_worker] әлеуметтік қызметкер
   *[volunteer] ерікті
})?
care-nobody = Бұл аумақта лайықты адам жоқ.
care-unavailable = Бұл адамды таңдау мүмкін емес: ол тізімде енді жоқ.
care-team-full = Топта { $role ->
    [social_worker] әлеуметтік қызметкер
   *[volunteer] екі ерікті
} бар.
care-member-joined = ✅ { $name } топқа қосылды.
care-replace-title = № { $team } топта { $name } орнына кім болады?
care-replace-gone = Бұл қатысушы топта енді жоқ.
care-replaced = 🔄 Ауыстырылды: { $former } орнына топта енді { $name }.
care-hand-over-gone = Бару белгіленіп қойған немесе басқаға тапсырылған.
care-handed-over = ➡️ Бару тапсырылды: { $name }.
care-ask-end = № { $team } топтың қамқорлығын аяқтайсыз ба? Барулар болмайды, қатысушылар карточканы көре алмайды.
care-ask-erase = № { $team } топтағы адамның деректерін жоясыз ба? Аты-жөні, телефоны, мекенжайы және барулар туралы ескертпелер өшіріледі, қамқорлық аяқталады. Мұны қайтару мүмкін емес.
care-ended = ⏹ № { $team } топтың қамқорлығы аяқталды.
care-erased = 🗑 № { $team } топтағы адамның деректері жойылды.
care-stale = Бұл орындалып қойған.
care-not-allowed = Бұл топ сіздің аумағыңызда емес.

care-member-added = 👥 Сіз № { $team } қамқорлық тобындасыз ({ $role ->
    [social_worker] әлеуметтік қызметкер
   *[volunteer] ерікті
}). Қамқордағы адамның карточкасы төмендегі батырмада және /myteams ішінде.
care-member-removed = 👥 Сіз енді № { $team } қамқорлық тобында емессіз. Көмегіңізге рахмет! Қамқордағы адамның карточкасы сізге енді қолжетімсіз.
care-team-ended = 👥 № { $team } топтың қамқорлығы аяқталды. Көмегіңізге рахмет!
care-card-hidden = 🔒 № { $team } топтың қамқордағы адамының карточкасы жасырылды.
care-visit-reminder = 🗓 Еске салу: № { $team } топтың { $kind ->
    [call] қамқордағы адамға қоңырауы
   *[visit] қамқордағы адамға баруы
}, уақыты: { $when }. Кейін қалай өткенін белгілеңіз.
care-missed-ask = ⚠️ № { $team } топтың { $kind ->
    [call] қоңырауы
   *[visit] баруы
} ({ $date }) белгіленбеген. Әлі орындайсыз ба? { $minutes } минут ішінде жауап болмаса, үйлестірушіге хабарлаймыз.
care-still-thanks = Рахмет! Орындаған соң, баруды /myteams ішінде белгілеңіз.
care-cannot-thanks = Түсінікті, үйлестіруші баруды басқа қатысушыға тапсырады.
care-coord-missed = ⚠️ № { $team } қамқорлық тобы: { $date } { $kind ->
    [call] қоңырау
   *[visit] бару
} өткізіп алынды (қатысушы: { $member }). Оны басқа қатысушыға тапсырыңыз немесе қатысушыны ауыстырыңыз.
care-coord-needs-help = 🆘 № { $team } қамқорлық тобы: { $date } { $kind ->
    [call] қоңыраудан
   *[visit] барғаннан
} кейін { $member } көмек керек екенін хабарлайды:
    { $note }

care-my-none = Сіз әзірге қамқорлық топтарында жоқсыз.
care-my-title = 👵 Қамқордағы адамдарыңыз:
care-not-member = Сіз бұл топта емессіз, карточка қолжетімсіз.
care-visit-stale = Бұл бару белгіленіп қойған немесе енді сіздікі емес.
care-ask-outcome = { $date } { $kind ->
    [call] қоңырау
   *[visit] бару
} қалай өтті?
care-ask-help = Қандай көмек керек екенін жазыңыз — бұл хабарды үйлестіруші алады.
care-bad-help = Көмекті сөзбен сипаттаңыз (2-ден 1000 таңбаға дейін).
care-recorded = ✅ Белгіленді: { $outcome ->
    [fine] бәрі жақсы
    [help] көмек керек (үйлестіруші біледі)
    [not_home] { $kind ->
        [call] хабарласа алмады
       *[visit] үйден таппады
    }
   *[refused] адам бас тартты
}. Рахмет!

btn-care-quit = 🚪 Топтан шығу
btn-care-yes-quit = 🚪 Иә, шығу
care-ask-quit = № { $team } қамқорлық тобынан шығасыз ба? Үйлестіруші сіздің орныңызға басқа адам табады, ал қамқордағы адамның карточкасы сізге қолжетімсіз болады.
care-quit-done = Сіз № { $team } қамқорлық тобынан шықтыңыз. Көмегіңізге рахмет!
care-coord-member-left = 👥 № { $team } қамқорлық тобы: { $name } енді қатыспайды. Топтың карточкасында оның орнына басқа адамды қосыңыз.

scheduler-job-care = Қамқорлық топтары: кесте бойынша барулар мен қоңыраулар, өткізіп алынғандары — қатысушыға және үйлестірушілерге

audit-action-care-team-create = қамқорлық тобын құру
audit-action-care-schedule = қамқорлық тобының кестесі
audit-action-care-member-add = қамқорлық тобының қатысушысы
audit-action-care-member-replace = қамқорлық тобының қатысушысын ауыстыру
audit-action-care-visit-hand-over = баруды басқаға тапсыру
audit-action-care-team-end = қамқорлықты аяқтау
audit-action-care-person-erase = қамқордағы адамның деректерін жою
