## Recognition (issue 20): a volunteer's record (/mystats), the certificate, «Лучший доброволец»,
## the hours for the DOBRO.RF volunteer book (/dobro).

cmd-mystats = Менің нәтижелерім және алғыс хат
cmd-dobro = DOBRO.RF үшін еріктілер сағаты
btn-my-stats = 🏅 Менің нәтижелерім

rec-hq-default = Өзара көмек штабы
rec-not-volunteer = 🏅 Нәтижелер штаб еріктілерінде болады. Ерікті болу: /volunteer
rec-mystats-head = 🏅 <b>{ $name }: менің нәтижелерім</b>
rec-record-head = 🏅 <b>№ { $id } ерікті нәтижелері: { $name }</b>
btn-rec-record = 🏅 Нәтижелер
rec-since = Штаб еріктісі болған күн: { $date }
rec-period-month = <b>Осы ай ({ $month })</b>
rec-period-all = <b>Барлық уақыт</b>
rec-line-tasks = ✅ Орындалған тапсырма: { $count }
rec-line-hours = ⏱ Сағат: { $hours } (тапсырмалар — { $tasks }, іс-шаралар — { $events })
rec-line-events = 📅 Қатысқан іс-шара: { $count }
rec-line-calls = 📞 Шалынған қоңырау: { $count }
rec-line-consultations = 🩺 Өткізілген консультация: { $count }
rec-line-rating = ⭐ Орташа баға: { $average } (баға саны: { $count })
rec-line-no-rating = ⭐ Әзірге баға жоқ
rec-line-thanks = 💐 Алғыс: { $count }
rec-awards = 🏆 «Үздік ерікті»: { $list }
rec-award-item = { $month } — { $territory }
rec-thanks-explained = <i>Алғыс — сіз көмектескен адам қойған «5 жұлдыз» бағасы немесе алғыс сөзі жазылған кемінде «4 жұлдыз» бағасы.</i>
rec-no-dobro-hint = ℹ️ Профиліңізде DOBRO.RF ID жоқ: сағаттарыңыз есептелуі үшін оны қосыңыз (/profile → «✏️ Профильді өзгерту»).
btn-rec-cert-year = 🖼 { $year } жылғы алғыс хат
btn-rec-cert-all = 🖼 Барлық уақыттағы алғыс хат
btn-rec-book = 📄 DOBRO.RF үшін сағат

## The certificate (a PNG).
rec-cert-title = Алғыс хат
rec-cert-subtitle = ерікті
rec-cert-body-year = { $year } жылы адамдарға көрсеткен көмегі үшін
rec-cert-body-all = адамдарға көрсеткен көмегі үшін (кезең: { $since } – { $until })
rec-cert-tasks = Орындалған тапсырма: { $count }
rec-cert-hours = Берілген сағат: { $hours }
rec-cert-events = Іс-шара: { $count }
rec-cert-calls = Қоңырау: { $count }
rec-cert-thanks = Адамдардан алғыс: { $count }
rec-cert-rating = Орташа баға: 5-тен { $average }
rec-cert-footer = Күні: { $date }
rec-cert-caption = 🖼 Штабтың алғыс хаты: оны сақтауға немесе басқаларға жіберуге болады.
rec-cert-busy = ⏳ Алғыс хатты дайындап жатырмын…

## The hours for DOBRO.RF: the file's columns and rows.
rec-col-date = Күні
rec-col-hours = Сағат
rec-col-org = Ұйым
rec-col-activity = Қызмет түрі
rec-col-dobro = DOBRO.RF ID
rec-col-name = Аты-жөні
rec-activity-task = Көмек: { request-kind } (№ { $id } өтінім)
rec-activity-event = Іс-шара: { $title } (№ { $id })
rec-no-dobro = көрсетілмеген
rec-book-caption = 📄 DOBRO.RF ерікті кітапшасы үшін сағат: жол — { $rows }, сағат — { $hours }.
rec-book-empty = Әзірге экспорттайтын ештеңе жоқ: орындалған тапсырма да, белгіленген іс-шара да жоқ.

## «Лучший доброволец»: the proposal to the territory's coordinators and the award.
rec-top-proposal =
    🏆 <b>«Үздік ерікті» — { $territory }, { $month }</b>
    Өткен айдың ұпайы ең көп еріктілері:
    { $candidates }

    Ұпай: тапсырмаға 10, әр сағатқа 2 (тапсырмалар мен іс-шаралар), бағадағы үштен артық әр жұлдызға 2 (кем болса — минус). ✅ тапсырмалар · ⏱ сағат · ★ орташа баға.
    Марапаттау үшін есімді басыңыз: еріктіге штабтың алғысы жіберіледі.
scheduler-job-recognition = «Үздік ерікті»: айдың 1-і күні жергілікті уақыт бойынша 10:00-де үйлестірушілерге өткен айдың үздік еріктілерін ұсыну
rec-btn-award = 🏅 { $name }
rec-awarded = 🏅 { $month } үшін «Үздік ерікті» марапаты берілді: { $name }. Алғыс жіберілді.
rec-award-already = Бұл аумақта { $month } үшін «Үздік ерікті» марапаты берілген: { $name }. Екінші марапат берілмейді.
rec-award-gone = Бұл ұсыныс ескірген немесе сіздің аумағыңызға қатысы жоқ.
rec-top-awarded = 🏆 «Үздік ерікті» — { $territory }, { $month }: марапат берілді — { $name }.
rec-award-thanks =
    🏆 <b>Сіз { $month } айының «Үздік еріктісі» атандыңыз!</b>
    { $territory }: орындалған тапсырма — { $tasks }, адамдарға көмек сағаты — { $hours }.
    Игі ісіңізге рахмет! — { $hq }

## /dobro: a coordinator's export of their territories' hours.
rec-dobro-usage = /dobro — өткен ай; /dobro 11.2026 — ай; /dobro 2026 — жыл; /dobro 01.11.2026-15.11.2026 — кезең.
rec-dobro-bad = «{ $text }» кезеңін түсінбедім.
    { rec-dobro-usage }
rec-dobro-preparing = ⏳ { $period } кезеңінің сағаттарын дайындап жатырмын…
rec-dobro-caption = 📄 { $period } кезеңі үшін DOBRO.RF сағаттары: жол — { $rows }, ерікті — { $volunteers }, сағат — { $hours }.
rec-dobro-empty = { $period } кезеңінде экспорттайтын ештеңе жоқ: орындалған тапсырма да, белгіленген іс-шара да жоқ.

audit-action-volunteer-award = «Үздік ерікті» марапатын берді
audit-action-dobro-export = DOBRO.RF үшін сағаттарды экспорттады
