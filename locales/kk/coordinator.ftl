## Coordinator tools

stats-users =
    👥 <b>Бот пайдаланушылары</b>
    Барлығы: { $total }
    Ботты бұғаттағандар: { $blocked }
    Орыс тілінде оқиды: { $ru }
    Қазақ тілінде оқиды: { $kk }

delivery-report =
    📬 <b>Бот хабарламаларын жеткізу</b>
    Кезекте: { $pending }
    Қазір жіберілуде: { $sending }
    Соңғы тәулікте жеткізілді: { $sent }
    Жеткізілмеді: { $failed }
    Жіберілмеді, бот бұғатталған: { $blocked }
delivery-count-over = { $count }-нан астам
delivery-failed-title = <b>Соңғы жеткізілмегендер</b> (себебі — Telegram жауабы):
delivery-failed-row = № { $id } · { $chat } чаты · { $when } · { $reason }
delivery-nothing-failed = Жеткізілмеген хабарлама жоқ.
delivery-blocked-title = <b>Ботты бұғаттағандар</b>, барлығы { $count }:
delivery-blocked-row = { $name } (id { $id }), бұғаттаған уақыты: { $when }
delivery-nobody-blocked = Ботты ешкім бұғаттамаған.

scheduler-status =
    ⏰ <b>Жоспарлағыш</b>
    Күтудегі еске салулар: { $pending }
    Ең жақыны: { $next_due }
    Бот істемей тұрғанда өткізіліп кеткені: { $missed }
scheduler-jobs-title = <b>Тұрақты жұмыстар</b> ({ $zone } уақыты):
scheduler-job-row = { $job }: келесі іске қосылуы { $next_run }
scheduler-job-reminders = Еске салулар
scheduler-missed-title = <b>Соңғы өткізіліп кеткендер:</b>
scheduler-missed-row = № { $id } · { $kind } · { $chat } чаты · мерзімі { $due } · өткізілгені: { $count }
scheduler-none = жоқ
scheduler-not-running = тоқтатылған

## Territories, appointing coordinators, the audit log

territories-none = Аумақтар әлі жүктелмеген. Жүктеу: <code>python -m bot territories load kazakhstan</code> (немесе kuzbass, не өз файлыңыз), не config.env ішіндегі TERRITORIES.
territories-title-all = <b>Штаб аумақтары</b> ({ $count }):
territories-title-mine = <b>Сіздің аумақтарыңыз</b> ({ $count }):
territories-row = { $name } — <code>{ $code }</code>, { $zone }

appoint-ask-person = Кімді үйлестіруші етіп тағайындаймыз? Оның Telegram id-ін, @username-ін жіберіңіз немесе сол адамның кез келген хабарламасын осында қайта жіберіңіз. Ол ботқа кемінде бір рет жазған болуы керек.
appoint-person-unknown = Ботқа жазғандардың ішінен мұндай адам табылмады. Одан ботқа /start жіберуін сұраңыз да, қайталап көріңіз.
appoint-person-hidden = Telegram қайта жіберілген хабарламаның авторын жасырды (оның құпиялық баптаулары). Оның id-ін немесе @username-ін жіберіңіз.
appoint-pick-territories = { $name } үшін аумақтарды таңдап, «Дайын» батырмасын басыңыз:
appoint-pick-nothing = Кемінде бір аумақты немесе «Штаб: барлық аумақтар» таңдаңыз.
appoint-scope-hq = штаб, барлық аумақтар
appoint-confirm = { $name } үйлестіруші болып тағайындалсын ба: { $what }?
appoint-done = ✅ Дайын: { $name } енді үйлестіруші ({ $what }).
form-use-buttons = Жоғарыдағы батырмаларды пайдаланыңыз немесе «Болдырмау» батырмасын басыңыз.

coordinator-appointed-hq = 🗂 Сіз барлық аумақтар бойынша штаб үйлестірушісі болып тағайындалдыңыз. Үйлестіруші командалары командалар мәзірінде, /help не істей алатыныңызды айтады.
coordinator-appointed-territories = 🗂 Сіз { $count } аумақтың үйлестірушісі болып тағайындалдыңыз. Тізімі — /territories. Үйлестіруші командалары командалар мәзірінде, /help не істей алатыныңызды айтады.
coordinator-dismissed = Сіз енді үйлестіруші емессіз. Еңбегіңізге рахмет!

coordinators-empty = Тағайындалған үйлестірушілер әзірге жоқ. Тағайындау — /appoint. ADMIN_IDS тізіміндегі үйлестірушілер мұнда көрсетілмейді.
coordinators-title = <b>Үйлестірушілер</b> ({ $count }). ADMIN_IDS тізіміндегі үйлестірушілер мұнда көрсетілмейді.
coordinators-row = { $name } (id { $id }) — { $what }
dismiss-confirm = { $name } үйлестіруші рөлінен босатылсын ба?
dismiss-done = { $name } енді үйлестіруші емес.
dismiss-gone = { $name } қазір үйлестіруші емес.

audit-title = <b>Әрекеттер журналы</b>, { $total } жазбаның { $first }–{ $last }:
audit-total-over = { $count }-нан астам
audit-row = { $when } · { $actor } · { $action } · { $target } · { $scope }
audit-empty = Жазба жоқ.
audit-usage = Сүзгілер: /audit [@username немесе id] [әрекет] [күн немесе күн..күн]. Мысалы: /audit appoint 01.11.2026..30.11.2026
audit-bad-filter = «{ $token }» сүзгісін түсінбедім.

btn-hq-all = Штаб: барлық аумақтар
btn-done = Дайын
btn-prev = ◀️ Артқа
btn-next = Әрі қарай ▶️
btn-dismiss = Босату: { $name }
btn-dismiss-yes = Иә, босату
