## Exports (/export), statistics for a period and the yearly report (/report): issue 20

cmd-export = Экспорттау: өтінімдер, еріктілер, сағаттар
cmd-report = Кезең статистикасы және жылдық есеп

exp-menu =
    📤 <b>Экспорттау</b>

    Нені экспорттайсыз? Файл осында құжат ретінде келеді (XLSX немесе CSV).
exp-kind-requests = 📋 Өтінімдер
exp-kind-volunteers = 🙋 Еріктілер
exp-kind-hours = ⏱ Еріктілер сағаты
exp-kind-campaigns = 📣 Науқан қорытындылары
exp-choose =
    📤 Экспорттау: { $kind }

    Форматты, мәртебені, аумақты және кезеңді таңдап, «Экспорттау» батырмасын басыңыз.
    Дербес деректер (аты-жөні, телефон, мекенжай) тек сіздің аумақтарыңыз бойынша беріледі; файлды мұқият сақтаңыз.
exp-fmt-xlsx = XLSX (Excel)
exp-fmt-csv = CSV
exp-status-all = Барлығы
exp-status-open = Ерікті іздеп жатырмыз
exp-status-work = Орындалуда
exp-status-done = Орындалды
exp-status-cancelled = Тоқтатылды
exp-status-failed = Көмектесу мүмкін болмады
exp-status-approved = Белсенді
exp-status-pending = Тексерілуде
exp-status-inactive = Кеткендер немесе қабылданбағандар
exp-territory-all = Барлық аумақ
exp-personal-on = 👤 Дербес деректермен: иә
exp-personal-off = 👤 Дербес деректермен: жоқ
exp-btn-run = 📤 Экспорттау
exp-btn-back = ↩️ Артқа
exp-busy = Алдыңғы экспорттау не есеп әлі дайындалуда. Файлды күтіңіз.
exp-started = ⏳ Экспорттау дайындалуда…
exp-progress = ⏳ Экспортталған жол: { $rows }…
exp-done = ✅ Экспорттау дайын: { $rows } жол.
exp-empty = Таңдалған шарттарға ештеңе сәйкес келмейді: файл жоқ.
exp-failed = ⚠️ Экспорттау сәтсіз аяқталды. Кейінірек қайталап көріңіз.
exp-caption = 📤 { $kind }, { $period }
exp-sheet = Деректер
exp-yes = иә
exp-no = жоқ
exp-urgency-today = бүгін
exp-urgency-soon = 3 күн
exp-urgency-planned = жоспарлы
exp-rstatus-new = ерікті іздеп жатырмыз
exp-rstatus-taken = ерікті тағайындалды
exp-rstatus-on_way = ерікті жолда
exp-rstatus-done = орындалды
exp-rstatus-cancelled = тоқтатылды
exp-rstatus-failed = көмектесу мүмкін болмады
exp-vstatus-pending = тексерілуде
exp-vstatus-approved = белсенді
exp-vstatus-rejected = қабылданбады
exp-vstatus-left = кетті
exp-vstatus-blocked = бұғатталған
exp-activity-request = өтінім
exp-activity-event = іс-шара
exp-col-id = №
exp-col-created = Құрылған уақыты
exp-col-kind = Көмек түрі
exp-col-urgency = Шұғылдығы
exp-col-status = Мәртебесі
exp-col-territory = Аумақ
exp-col-taken = Ерікті алған уақыты
exp-col-done = Орындалған уақыты
exp-col-take-hours = Күтті, сағ
exp-col-hours = Сағат
exp-col-rating = Баға
exp-col-overdue = Мерзімі өтті
exp-col-person = Кімге көмек
exp-col-phone = Телефон нөмірі
exp-col-address = Мекенжай
exp-col-volunteer = Ерікті
exp-col-volunteer-phone = Еріктінің телефон нөмірі
exp-col-name = Аты-жөні
exp-col-age = Жасы
exp-col-skills = Қандай көмек береді
exp-col-applied = Сауалнама берілген күні
exp-col-decided = Шешім
exp-col-tasks = Орындалған тапсырма
exp-col-dobro = DOBRO.RF ID
exp-col-date = Күні
exp-col-volunteer-territory = Еріктінің аумағы
exp-col-activity = Қатысу түрі
exp-col-what = Не істелді
exp-col-ref = №

rep-menu =
    📊 <b>Статистика</b>

    Кезеңді таңдаңыз. Министрлікке арналған жылдық есеп — бір батырмамен XLSX файлы.
rep-period-week = Осы апта
rep-period-month = Осы ай
rep-period-last_month = Өткен ай
rep-period-year = Осы жыл
rep-period-last_year = Өткен жыл
rep-period-all = Барлық уақыт
rep-period-dates = { $first } – { $last }
rep-btn-custom = 📅 Өз күндерім
rep-btn-yearly = 📑 { $year } жылдық есеп
rep-dates-ask = Кезеңнің бірінші және соңғы күнін бос орын арқылы жазыңыз, мысалы: 01.11.2026 30.11.2026
rep-dates-bad = Күндерді түсінбедім. Екі күнді бос орын арқылы жазыңыз: біріншісі екіншісінен кеш болмасын, аралығы үш жылдан аспасын, жылдары 2000-нан келесі жылға дейін. Мысалы: 01.11.2026 30.11.2026
rep-counting = ⏳ Есептеп жатырмын…
rep-failed = ⚠️ Есептеу мүмкін болмады. Кейінірек қайталап көріңіз.
rep-title = 📊 <b>Статистика (кезең: { $period })</b>
rep-scope = 👁 Тек сіздің аумақтарыңыз.
rep-empty = Бұл кезеңде өтінімдер мен іс-шаралар жоқ.
rep-summary =
    Өтінімдер: { $total }
    Ерікті күтіп тұр: { $untaken }
    Мерзімі өткен: { $overdue }
    Ерікті алғанға дейінгі уақыттың медианасы: { $take } (сағ:мин)
    Орындалғанға дейінгі уақыттың медианасы: { $close } (сағ:мин)
    Белсенді еріктілер: { $volunteers }
    Өтінімдер бойынша сағат: { $request_hours }; іс-шараларда: { $event_hours } (іс-шаралар: { $events })
    Бағалар: { $rated }, орташа баға: { $rating }
rep-item = { $name }: { $count }
rep-by-kind = <b>Көмек түрлері бойынша</b>
rep-by-status = <b>Мәртебелер бойынша</b>
rep-by-territory = <b>Аумақтар бойынша</b>
rep-others = Басқалары
rep-chart-title = Өтінімдер: { $period }
rep-chart-kind = Көмек түрлері бойынша
rep-chart-status = Мәртебелер бойынша
rep-chart-territory = Аумақтар бойынша
rep-yearly-started = ⏳ { $year } жылғы жылдық есеп дайындалуда…
rep-yearly-done = ✅ { $year } жылғы жылдық есеп дайын.
rep-yearly-caption = 📑 { $year } жылғы жылдық есеп

yr-sheet-requests = Өтінімдер
yr-sheet-people = Көмек алғандар
yr-sheet-volunteers = Еріктілер жасы бойынша
yr-sheet-hours = Сағаттар
yr-sheet-events = Іс-шаралар
yr-total = Барлығы
yr-col-territory = Аумақ
yr-col-done = Орындалды
yr-col-people = Көмек алған адамдар
yr-col-age = Жас тобы
yr-col-involved = Қатысқан еріктілер
yr-col-tasks = Орындалған тапсырма
yr-col-hours = Сағат
yr-col-registered = Тіркелген белсенді еріктілер
yr-col-request-hours = Өтінімдер бойынша сағат
yr-col-event-hours = Іс-шаралардағы сағат
yr-col-date = Күні
yr-col-event = Іс-шара
yr-col-participants = Қатысушылар

audit-action-export = Экспорттау (өтінімдер, еріктілер, сағаттар немесе жылдық есеп)
