## The volunteer's worklist of a vaccination follow-up campaign (issue 16).

cmd-calls = Келесі қоңырау
btn-next-call = 📞 Келесі қоңырау
calls-not-on-campaign = Сіз ешбір қайта қоңырау шалу науқанына қатыспайсыз. Үйлестіруші сізді науқанға қосқанда, қоңыраулар осында шығады.
calls-list-empty = 🎉 Сіздің аумағыңыз бойынша қоңыраулар қалмады.
calls-nothing-due = Қазір қоңырау шалатын адам жоқ. Келесі қоңырау — { $date ->
        [none] { $time }
       *[other] { $date }, { $time }
    }.
calls-still-yours = Бұл адам әлі сізде: алдымен қоңыраудың нәтижесін белгілеңіз.
calls-not-yours = Бұл қоңырау енді сіздікі емес: уақыт өтті немесе нәтиже жазылып қойған.
calls-released = ↩️ Адам тізімге қайтарылды.
calls-saved = Жазылды.
calls-outcome-saved = ✅ Жазылды: { call-outcome }. { call-status }
call-outcome = { $outcome ->
    [reached] хабарласты
    [no_answer] жауап бермеді
    [busy] желі бос емес
    [wrong_number] қате нөмір
    [refused] бас тартты
    [moved] көшіп кеткен
    [died] қайтыс болған
    [released] тізімге қайтарылды
    [lapsed] уақыт өтті
    [paused] науқан уақытша тоқтатылды
    [closed] науқан жабылды
   *[other] { $outcome }
}
call-status = { $status ->
    [queued] Кейінірек тағы қоңырау шаламыз.
    [unreachable] Әрекеттер таусылды: үйлестіруші шешеді.
    [stopped] Енді қоңырау шалмаймыз.
    [done] Бұл адамға барлық қоңыраулар жасалды.
   *[other] {""}
}
call-card =
    📞 <b>{ $first }</b> — { $campaign }
    { $name }, { $age }
    Аумақ: { $territory }
    Телефон: { $phone }
    Қоңырау: { $round }/{ $rounds }, әрекет: { $attempt }/{ $attempts }
call-card-age = { $age } жаста ({ $year } ж. т.)
call-card-address = Мекенжай: { $address }
call-card-before = Бұрын:
call-card-before-line = · { $date } — { call-outcome }
call-card-hidden = 📞 { $name } — { call-outcome }
btn-call-reached = ✅ Хабарластым
btn-call-no_answer = 📵 Жауап бермеді
btn-call-busy = 🔁 Желі бос емес
btn-call-wrong_number = ❌ Қате нөмір
btn-call-refused = 🙅 Бас тартты
btn-call-moved = 🏠 Көшіп кеткен
btn-call-died = 🕯 Қайтыс болған
btn-call-release = ↩️ Тізімге қайтару

## The script.
script-start = Әңгіме: { $name }. Сұрақтарды ретімен қойып, жауаптарды белгілеңіз.
btn-script-yes = Иә
btn-script-no = Жоқ
script-ask-vaccinated = Сіз екпе алдыңыз ба?
script-ask-feeling = Екпеден кейін денсаулығыңыз қалай?
script-feeling-well = 🙂 Жақсы
script-feeling-slight = 😐 Сәл дімкәс
script-feeling-unwell = 🤒 Нашар
script-ask-unwell = Нақты не мазалайды? Адамның өз сөзімен жазыңыз.
script-bad-note = Қысқаша жазыңыз, 2-ден 300 таңбаға дейін.
script-ask-reason = Себебі неде?
script-reason-ill = Ауырып қалды
script-reason-exempt = Медициналық қарсы көрсетілім
script-reason-fear = Күмән немесе қорқыныш
script-reason-time = Уақыт жоқ
script-reason-transport = Баратын көлік жоқ
script-reason-other = Басқа
script-ask-reason-other = Қандай себеп? Қысқаша жазыңыз.
script-ask-ride = Көлікпен апаруды рәсімдейміз бе? Ерікті екпеге апарып келеді.
script-ask-planned = Екпені қашан алмақсыз? Күнін жазыңыз (мысалы, 25.12 немесе 25.12.2026) немесе «Білмеймін» басыңыз.
script-planned-unknown = Білмеймін
script-bad-date = Күнді былай жазыңыз: 25.12 немесе 25.12.2026 (бүгіннен ерте емес), немесе «Білмеймін» басыңыз.
script-summary = <b>Жауаптарды тексеріңіз:</b>
script-sum-yes = Екпе алды: иә. Денсаулығы: { $feeling }
script-sum-note = Шағымдары: { $note }
script-sum-no = Екпе алды: жоқ. Себебі: { $reason }
script-sum-ride-yes = Көлікпен апару: рәсімдеу
script-sum-ride-no = Көлікпен апару: керек емес
script-sum-planned = Жоспарлағаны: { $date }
script-saved = ✅ Әңгіме жазылды. { call-status }
script-unwell-sent = 🚑 Медиктер шұғыл хабар алды.
script-ride-created = 🚗 № { $id } көлікпен апару өтінімі жасалды.
script-ride-details = Екпеге апарып, қайта әкелу (қайта қоңырау шалу).

## «Unwell» alerts to the medics.
alert-source = { $source ->
    [self] Ботта жауап берді (адамның өзі немесе туысы): { $caller }
   *[call] Қоңырау шалған: { $caller }
}
btn-alert-ack = ✅ Қабылдадым
alert-unwell =
    🚑 <b>Екпеден кейін денсаулығы нашар</b> (№ { $id })
    { $name }
    Телефон: { $phone }
    Аумақ: { $territory }
    Шағымдары: { $note }
    { alert-source }
alert-unwell-again =
    🚨 <b>Қайталап: 15 минутта ешкім қабылдамады</b> (№ { $id })
    { $name }
    Телефон: { $phone }
    Аумақ: { $territory }
    Шағымдары: { $note }
    { alert-source }
alert-taken-by-you =
    ✅ <b>Сіз № { $id } хабарды қабылдадыңыз</b>
    { $name }
    Телефон: { $phone }
    Аумақ: { $territory }
    Шағымдары: { $note }
    { alert-source }
alert-taken-by = 🚑 № { $id } хабарды ({ $name }) { $medic } қабылдады.
alert-taken-note = 🚑 Денсаулығы нашар: { $name } (№ { $id }) — { $medic } қабылдады.
alert-taken-ok = Сіз хабарды қабылдадыңыз.
alert-already-yours = Сіз бұл хабарды қабылдап қойдыңыз.
alert-already-taken = Бұл хабарды басқа медик қабылдап қойды.
scheduler-job-campaign-calls = Науқандар: тасталған қоңырауларды тізімге қайтару, медик жауап бермеген «нашар» дабылдарын қайталау
