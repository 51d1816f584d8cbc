## Door-to-door visits of a vaccination follow-up campaign (issue 16).

cmd-visits = Үйме-үй аралау маршруты
btn-visit-take = 🚪 Аралау маршрутын алу
btn-visit-show = 🚪 Маршрутқа
btn-visit-partner = 👥 Серіктес шақыру
visits-not-on-campaign = Сіз ешбір науқанға қатыспайсыз. Үйлестіруші сізді қосқанда, мұнда аралаулар пайда болады.
visits-none = 🎉 Қазір сіздің аумағыңызда аралайтын мекенжай жоқ.
visits-new-people = 🚪 «{ $name }» науқаны: сіздің аумағыңызда { $count } адам үйме-үй аралауды күтеді.
visits-hours = Аралау тек науқанның күндізгі уақытында, тыныш сағаттардан тыс. Кейінірек көріңіз.
visits-still-yours = Бұл маршрут әлі сізде: кімді үйден тапқаныңызды белгілеңіз.
visits-not-yours = Бұл адам енді сіздің маршрутыңызда емес: уақыт өтті немесе нәтиже жазылып қойған.
visits-route-closed = Бұл маршрут жабылған.
visit-route =
    🚪 <b>Аралау маршруты № { $id }</b> — { $campaign }
    Мекенжайлар: { $count }, қалды: { $left }. Маршрут { $until } дейін сізде.
    Әр адамның карточкасы астында нәтижені белгілеңіз.
visit-route-partner = 👥 Серіктес: { $name }
visit-route-owner = 👥 Ерікті { $name } маршруты
visit-route-line = · { $name } — { visit-outcome }
visit-card =
    🚪 <b>{ $first }</b> — { $n }/{ $count }
    { $name }, { $age }
    Мекенжай: { $address }
    Телефон: { $phone }
    Кезең: { $round }/{ $rounds }, әрекет: { $attempt }/{ $attempts }
visit-no-address = көрсетілмеген
visit-card-hidden = 🚪 { $name } — { visit-outcome }
visit-outcome = { $outcome ->
    [reached] үйден табылды
    [not_home] үйде жоқ
    [refused] бас тартты
    [moved] көшіп кеткен
    [died] қайтыс болған
    [lapsed] уақыт өтті
    [paused] науқан уақытша тоқтатылды
    [closed] науқан жабылды
   *[other] { $outcome }
}
visit-status = { $status ->
    [queued] Кейінірек тағы барамыз.
    [unreachable] Әрекеттер таусылды: үйлестіруші шешеді.
    [stopped] Енді бармаймыз.
    [done] Бұл адам бойынша барлық кезеңдер өтті.
   *[other] {""}
}
btn-visit-reached = ✅ Үйден таптым
btn-visit-not_home = 🚪 Үйде жоқ
btn-visit-refused = 🙅 Бас тартты
btn-visit-moved = 🏠 Көшіп кеткен
btn-visit-died = 🕯 Қайтыс болған
visits-saved = ✅ Жазылды: { visit-outcome }. { visit-status }
visit-script-saved = ✅ Есік алдындағы әңгіме жазылды. { visit-status }
visit-note-start = { $name }: үйде жоқ.
visit-ask-note = Қандай жазба қалдырдыңыз? Қысқаша, мысалы: «пошта жәшігіне жазба қалдырдым».
visit-bad-note = Қысқа мәтін керек: 2-ден 300 таңбаға дейін.
visit-note-summary =
    🚪 Үйде жоқ: { $name }
    Жазба: { $note }
visit-route-closed = { $status ->
    [done] 🏁 № { $id } маршрут өтті: үйден табылды — { $reached }, үйде жоқ — { $not_home }, барлық мекенжай — { $count }. Мекенжайлар мен телефондар жасырылды.
   *[other] ⌛ № { $id } маршрут жабылды: уақыт өтті. Аралмаған мекенжайлар тізімге қайтты, мекенжайлар мен телефондар жасырылды.
}
visit-partner-pick = Кімді серіктес етіп шақырасыз? Ол маршрут мекенжайларын көріп, нәтижелерді белгілей алады.
visit-partner-none = Сіздің аумағыңызда бұл науқанның басқа еріктілері жоқ.
visit-partner-set = 👥 Серіктес маршрутты алды: { $name }.
visit-partner-refused = Болмады: маршрут жабылған, серіктес бар немесе оның өз маршруты бар.
visit-partner-added = 👥 { $name } сізді № { $id } аралау маршрутына серіктес етіп шақырады (мекенжайлар: { $count }). Мекенжайларды көру үшін маршрутты ашыңыз.

## The coordinator's campaign card.
btn-campaign-to-visits = 🚪 Хабарласа алмағандар → аралау
btn-campaign-to-visits-yes = 🚪 Иә, аралауға беру
cmp-to-visits-confirm =
    «{ $name }» науқанында хабарласа алмағандарды ({ $count }) үйме-үй аралауға бересіз бе?
    Еріктілер олардың мекенжайларын шағын маршруттармен алады.
cmp-to-visits-none = Хабарласа алмағандар жоқ: аралауға беретін ешкім жоқ.
cmp-to-visits-done = 🚪 Аралауға берілді: { $count }.
