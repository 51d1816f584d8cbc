# Exporting a campaign's people for medical organisations (handlers/coordinator/campaign_export.py)

btn-campaign-export = 📤 Экспорттау
cexp-choose =
    📤 «{ $name }» науқанын экспорттау (№ { $id }).

    Файлда дербес деректер бар: оны тек медициналық ұйымға беріңіз.
    Форматты, мәртебені, аумақты және кезеңді таңдап, «Экспорттау» батырмасын басыңыз.
cexp-fmt-xlsx = XLSX (Excel)
cexp-fmt-csv = CSV
cexp-status-all = Барлығы
cexp-status-reached = Хабарласқандар
cexp-status-vaccinated = Екпе алғандар
cexp-status-planning = Екпе алмақшылар
cexp-status-unwell = Денсаулығы нашарлар
cexp-status-refused = Бас тартқандар
cexp-status-unreachable = Хабарласа алмағандар
cexp-status-stopped = Қоңырау тоқтатылғандар
cexp-territory-all = Барлық аумақ
cexp-period-all = Барлық уақыт
cexp-period-7 = 7 күн
cexp-period-30 = 30 күн
cexp-btn-run = 📤 Экспорттау
cexp-btn-back = ↩️ Науқанға
cexp-refused = Науқан табылмады немесе сіздің аумақтарыңызда емес.
cexp-busy = Алдыңғы экспорттау әлі дайындалуда. Файлды күтіңіз.
cexp-started = ⏳ Экспорттау дайындалуда…
cexp-progress = ⏳ Экспортталған жол: { $rows }…
cexp-done = ✅ Экспорттау дайын: { $rows } жол.
cexp-empty = Таңдалған шарттарға ешкім сәйкес келмейді: файл жоқ.
cexp-failed = ⚠️ Экспорттау сәтсіз аяқталды. Кейінірек қайталап көріңіз.
cexp-caption = 📤 «{ $name }»: дербес деректер, тек медициналық ұйым үшін.
cexp-caption-clinic = 📤 «{ $name }» — { $clinic }: дербес деректер, тек осы медициналық ұйым үшін.
cexp-sheet = Адамдар
cexp-no-clinic = Емханасы жоқ
cexp-yes = иә
cexp-no = жоқ
cexp-col-name = Аты-жөні
cexp-col-birth-year = Туған жылы
cexp-col-phone = Телефон нөмірі
cexp-col-territory = Аумақ
cexp-col-address = Мекенжай
cexp-col-clinic = Емхана
cexp-col-status = Мәртебе
cexp-col-last-outcome = Соңғы нәтиже
cexp-col-last-contact = Соңғы қоңырау немесе бару
cexp-col-attempts = Әрекет саны
cexp-col-vaccinated = Екпе алды
cexp-col-vaccinated-at = Екпе туралы сұралған уақыт
cexp-col-feeling = Денсаулығы
cexp-col-feeling-at = Денсаулығы туралы сұралған уақыт
cexp-col-unwell-note = Не мазалайды
cexp-col-reason = Екпе алмау себебі
cexp-col-reason-at = Себебі айтылған уақыт
cexp-col-planned-on = Екпені алмақ күні
cexp-row-vaccinated = екпе алды
cexp-row-unwell = екпе алды, денсаулығы нашар
cexp-row-planning = екпе алмаған, алмақшы
cexp-row-refused = бас тартты
cexp-row-stopped = қоңырау тоқтатылды
cexp-row-unreachable = хабарласа алмадық
cexp-row-waiting = әлі хабарласпадық
cexp-feeling-well = жақсы
cexp-feeling-slight = сәл дімкәс
cexp-feeling-unwell = нашар
cexp-outcome = { $outcome ->
    [reached] хабарласты
    [no_answer] жауап бермеді
    [busy] желі бос емес
    [wrong_number] қате нөмір
    [refused] бас тартты
    [moved] көшіп кеткен
    [died] қайтыс болған
    [not_home] үйде жоқ
   *[other] { $outcome }
}
