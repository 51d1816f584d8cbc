## A task's details after it ends; requests nobody holds; a coordinator offering again or assigning

task-details-done = ✅ № { $id } тапсырма орындалды: { request-kind }, { $date }, { $hours } сағ. Адамның деректері жасырылды.
task-closed-no-details = № { $id } тапсырма жабылды: адамның деректері енді көрсетілмейді.
request-push-renewed = № { $id } тапсырма қайта ұсынылды: төмендегі жаңа хабарламаны қараңыз.
task-assigned =
    📌 Үйлестіруші сізге <b>№ { $id } тапсырманы</b> тағайындады: { request-kind }
    Аумақ: { $territory }
    Қашан: { request-urgency }, { request-window }
    Толығырақ ақпаратты төмендегі батырмамен ашыңыз.
btn-open-assigned = 📋 № { $id } тапсырманы ашу
coord-requests-unattended-mark = {" "}· ⚠️ орындаушысыз
coord-requests-unattended-total = ⚠️ Орындаушысыз: { $count }. Өтінім карточкасында оларды қайта ұсыныңыз немесе ерікті тағайындаңыз.
coord-unattended-note = ⚠️ Сіздің аумақтарыңызда орындаушысыз өтінімдер: { $count }. Оларды қайта ұсыну немесе ерікті тағайындау үшін /requests ашыңыз.
coord-request-unattended-line = ⚠️ Ешкімге ұсынылмады: сәйкес бос еріктілер болмады.
btn-request-reoffer = 🔁 Қайта ұсыну
btn-request-assign = 👤 Ерікті тағайындау
coord-request-reoffered = № { $id } өтінім қайта ұсынылды: { $count } еріктіге.
coord-request-reoffer-nobody = № { $id } өтінімді ешкімге ұсына алмадық: сәйкес бос ерікті жоқ. Ерікті өзіңіз тағайындаңыз.
coord-request-reoffered-already = № { $id } өтінім қайта ұсынылып қойған. Не өзгергенін көру үшін карточканы қайта ашыңыз.
coord-request-not-searching = № { $id } өтінім енді іздеуде емес: { request-status }.
coord-assign-title = <b>№ { $id } өтінімді</b> ({ request-kind }) кімге тағайындаймыз? Алдымен — қажетті дағдылары бар еріктілер; жақшада — орындалып жатқан тапсырмалар саны.
coord-assign-nobody = № { $id } өтінімнің аумағында бос еріктілер жоқ. Өтінім орындаушысыз тізімде қалады.
btn-assign-volunteer = { $name } ({ $tasks })
coord-request-assigned = № { $id } өтінім тағайындалды: { $name }. Еріктіге хабарлама жіберілді.
coord-assign-unavailable = Бұл ерікті қазір өтінімді қабылдай алмайды (үзілісте, бұғатталған немесе кеткен). Басқасын таңдаңыз.
scheduler-job-waiting-requests = Күтіп тұрған өтінімдерді еріктілердің келесі тобына және жаңа бос еріктілерге ұсыну
scheduler-job-retention = Кезектен ескі жіберілген хабарларды өшіру
scheduler-job-erasures = Бот тоқтағанда үзілген деректерді өшіруді аяқтау
