## Help requests (the volunteer's push and what the requester hears)

request-kind = { $kind ->
    [groceries] Азық-түлік
    [medicine] Дәрі-дәрмек
    [utilities] Коммуналдық төлемдер
    [coal] Көмір жеткізу
    [snow] Қар тазалау
    [ride] Көлікпен апару немесе сүйемелдеу
    [household] Үй шаруасына көмек
   *[other] Басқа көмек
}
request-urgency = { $urgency ->
    [today] 🚨 бүгін
    [soon] үш күн ішінде
   *[planned] белгіленген күні
}
request-push =
    🆕 <b>№ { $id } тапсырма</b>: { request-kind }
    Аумақ: { $territory }
    Қашан: { request-urgency }, { $window }
btn-take-task = Мен орындаймын
request-taken-by-other = № { $id } тапсырманы басқа ерікті алып қойды. Үн қатқаныңызға рахмет!
request-taken = № { $id } өтінімді { $name } есімді ерікті алды. Ол жолға шыққанда хабарлаймыз.
request-on-way = № { $id } өтінім бойынша ерікті жолда.
request-done = ✅ № { $id } өтінім орындалды. Штабқа жүгінгеніңізге рахмет!
request-searching-again = Ерікті № { $id } өтінімді орындай алмайды. Басқа ерікті іздеп жатырмыз.
request-cancelled = № { $id } өтінім болдырылмады: тапсырма енді қажет емес.
