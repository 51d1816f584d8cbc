## The coordinators' request console (issue 19)

btn-console-filters = 🔎 Сүзгілер
btn-console-show = Көрсету
btn-console-reset = Сүзгілерді тазарту
btn-console-note = 📝 Штабқа арналған жазба
btn-console-cancel = ✖️ Себебін жазып тоқтату
btn-console-reassign = 🔄 Басқа еріктіге беру
btn-console-find = 🔎 Аты немесе телефон бойынша іздеу

console-filters-title = <b>Өтінім сүзгілері.</b> Жақша ішінде — таңдау бойынша қанша өтінім көрсетіледі. Сүзгіні алып тастау үшін оны қайта басыңыз, содан кейін «Көрсету».
console-status = { $status ->
    [open] Ашық
    [new] Ерікті іздеп жатырмыз
    [taken] Ерікті тағайындалды
    [on_way] Жолда
    [done] Орындалды
    [cancelled] Күші жойылды
    [failed] Көмектесу мүмкін болмады
   *[all] Барлығы
} ({ $count })
console-urgency = { $urgency ->
    [today] 🚨 Бүгін
    [soon] 3 күн
   *[planned] Жоспарлы
} ({ $count })
console-overdue = ⏰ Мерзімі өткен ({ $count })
console-unattended = ⚠️ Орындаушысыз ({ $count })
console-kind = { request-kind } ({ $count })
console-territory = { $name } ({ $count })
console-title = <b>{ $status ->
    [new] Ерікті іздеп жатырмыз
    [taken] Ерікті тағайындалды
    [on_way] Жолда
    [done] Орындалғандар
    [cancelled] Күші жойылғандар
    [failed] Көмектесу мүмкін болмады
   *[all] Барлық өтінімдер
}</b>: { $total }
console-filtered = Сүзгілер қосулы: өзгерту үшін «🔎 Сүзгілер».
console-empty-filtered = Таңдалған сүзгілерге сай өтінім жоқ. Оларды өзгертіңіз: «🔎 Сүзгілер».
console-urgent-mark = {" "}· 🚨
console-overdue-mark = {" "}· ⏰ мерзімі өтті

console-history-title = <b>Тарихы</b> (ұсынылған еріктілер саны: { $offered }):
console-event = { $at } — { $kind ->
    [created] жасалды
    [offered] еріктілерге ұсынылды
    [widened] көбірек еріктіге ұсынылды
    [held_quiet] таңды күтуде (мазаламау уақыты)
    [duty_alerted] кезекші үйлестірушілерге берілді
    [released] таңертең ұсынылды
    [circle_neighbours] көрші аумақтарға ұсынылды
    [circle_hq] бүкіл штабқа ұсынылды
    [coordinators_alerted] үйлестірушілерге хабарланды
    [taken] ерікті алды
    [assigned] үйлестіруші тағайындады
    [on_way] ерікті жолда
    [done] орындалды
    [cannot] ерікті орындай алмайды
    [reoffered] қайта ұсынылды
    [cancelled] күші жойылды
    [failed] көмектесу мүмкін болмады
    [reminder_sent] еріктіге еске салынды
    [still_doing] ерікті әлі орындап жатыр
    [reminder_unanswered] ерікті еске салуға жауап бермеді
    [reassigned] басқа еріктіге берілді
    [overdue] мерзімі өтті
    [note] 📝 жазба
    [asked] үйлестіруші еріктіден алуды сұрады
    [series_occurrence] кесте бойынша жасалды
    [series_first_offer] бұрынғы еріктіге ұсынылды
    [series_declined] ерікті бас тартты
    [series_timeout] жауап беру уақыты өтті
    [rated] бағаланды
   *[other] { $kind }
}
console-event-who = {" "}· { $who }
console-event-text = : «{ $text }»

console-ask-note = № { $id } өтінімге жазба жазыңыз. Оны тек үйлестірушілер көреді.
console-bad-note = Жазбаны мәтінмен жазыңыз: 1-ден { $max } таңбаға дейін.
console-note-saved = № { $id } өтінімге жазба сақталды.
console-ask-cancel-reason = № { $id } өтінімді неге тоқтатасыз? Себебін өтініш беруші алады.
console-bad-reason = Себебін мәтінмен жазыңыз: 1-ден { $max } таңбаға дейін.
console-request-cancelled = № { $id } өтінім тоқтатылды. Өтініш беруші себебін алды.
console-request-cancelled-by-hq = ✖️ Штаб № { $id } өтінімді тоқтатты. Себебі: { $reason }. Көмек әлі де қажет болса, штабқа қоңырау шалыңыз немесе жаңа өтінім жасаңыз.
console-task-reassigned = № { $id } тапсырманы үйлестіруші басқа еріктіге берді. Үн қатқаныңызға рахмет!

console-ask-find = № { $id } өтінімді кімге беру керек? Аттың бір бөлігін немесе телефонның кемінде 3 цифрын жазыңыз.
console-bad-find = Атын немесе телефон цифрларын жазыңыз: 1-ден { $max } таңбаға дейін.
console-found = «{ $query }» сұрауы бойынша табылған бос ерікті: { $count }.
console-assign-title = <b>№ { $id } өтінімді</b> ({ request-status }) кімге беру керек?
console-reassign-title = <b>№ { $id } өтінімді</b> ({ request-kind }) кімге беру керек? Алдымен — қажетті дағдысы бар еріктілер.
console-candidate = • { $name }, { $phone }: орындалудағы тапсырма { $tasks }, соңғы белсенділік { $seen }

console-daily-summary =
    📊 <b>{ $date } күнгі жиынтық</b>
    Тәулік ішінде жаңа: { $new }
    Ашық: { $open }
    Мерзімі өткен: { $overdue }
    Орындаушысыз: { $unattended }
    Кеше орындалды: { $done }
    14 күн бойы белсенділік танытпаған еріктілер: { $silent }
    Толығырақ: /requests

audit-action-request-note = өтінімге жазба
audit-action-request-cancelled = штаб өтінімді тоқтатты
audit-action-request-reassigned = өтінімді басқа еріктіге беру
audit-action-request-replaced = өтінімдегі еріктіні ауыстыру (еске салуға жауап бермеді)
console-request-not-held = № { $id } өтінім енді ерікті орындауында емес: { request-status }. Карточканы қайта ашыңыз.
console-series = 🔁 Тұрақты ({ $count })
console-ask-accept =
    📌 Үйлестіруші сізден <b>№ { $id } тапсырманы</b> алуды сұрайды: { request-kind }
    Аумақ: { $territory }
    Қашан: { request-urgency }, { request-window }
    Жауап беру мерзімі: { $until }. Одан кейін тапсырманы басқа еріктілерге ұсынамыз.
console-asked = № { $id } өтінім { $name } еріктіге ұсынылды. Жауап беру мерзімі: { $until }; жауап бермесе, өтінімді барлық лайықты еріктілер көреді.
console-ask-running = № { $id } өтінім бір еріктіге ұсынылған, оның жауабын күтудеміз.
audit-action-request-asked = өтінімді алуды сұрау
