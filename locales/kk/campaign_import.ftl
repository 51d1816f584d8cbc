# Науқанға адамдарды жүктеу (handlers/coordinator/campaign_import.py)

cimp-usage = Науқанға адамдарды жүктеу үшін /import және науқан нөмірін жіберіңіз, мысалы: /import 12
cimp-refused-not-found = Науқан табылмады.
cimp-refused-closed = Науқан жабылған: оған адамдарды жүктеуге болмайды.
cimp-refused-out-of-scope = Бұл науқан сіздің аумақтарыңызға кірмейді.
cimp-busy = Бұл науқанға жүктеу жүріп жатыр. Нәтижесін күтіңіз.
cimp-ask-file =
    📥 «{ $name }» науқанына (№ { $id }) адамдарды жүктеу.

    CSV немесе XLSX (Excel) файлын құжат ретінде жіберіңіз. Бағандар:
    • Аты-жөні
    • Телефон нөмірі (телефоны жоқ, бірақ мекенжайы бар адам үйге барып тексеру тізіміне түседі)
    • Туған жылы немесе Жасы
    • Аумақ — боттағыдай коды немесе атауы
    • Мекенжай (міндетті емес)
    • Келісім күні — 05.12.2026 немесе 2026-12-05
    • Telegram (міндетті емес)

    Тақырыптары бар үлгі — төмендегі батырма. Шығу үшін «✖️ Болдырмау» немесе /cancel.
cimp-btn-template = 📄 Үлгі
cimp-hint-file = CSV немесе XLSX файлын құжат ретінде жіберіңіз (қыстырғыш → «Файл»). Шығу үшін «✖️ Болдырмау» немесе /cancel.
cimp-received = ⏳ Файл алынды, жолдарды тексеріп жатырмын…
cimp-progress-reading = ⏳ Тексерілген жол: { $rows }…
cimp-progress-writing = ⏳ Сақтап жатырмын: { $total } ішінен { $done }…
cimp-progress-done = ✅ Тексерілген жол: { $rows }.
cimp-result =
    ✅ «{ $name }» науқанына жүктеу аяқталды.
    Файлдағы жол: { $rows }
    Қосылды: { $accepted }
    Бұрыннан барлармен біріктірілді: { $merged }
    Қабылданбады: { $rejected }
cimp-reasons-title = Қабылданбау себептері:
cimp-reason-line = • { $reason }: { $count }
cimp-reason-name = аты-жөні жоқ
cimp-reason-phone = телефон нөмірі қате
cimp-reason-no-contact = телефон да, мекенжай да жоқ
cimp-reason-birth-year = туған жылы жоқ немесе жасы 18 бен 120 аралығында емес
cimp-reason-territory-unknown = белгісіз аумақ
cimp-reason-territory-outside = аумақ науқанға кірмейді
cimp-reason-territory-not-yours = аумақ сіздікі емес
cimp-reason-consent-missing = келісім күні жоқ
cimp-reason-consent-bad = келісім күні танылмады
cimp-reason-consent-future = келісім күні болашақта
cimp-reason-address = мекенжай тым ұзын
cimp-rejected-caption = Қабылданбаған жолдар, себебі соңғы бағанда. Оларды түзетіп, осы файлды қайта жүктеңіз.
cimp-rejected-column = Себебі
cimp-failed = ⚠️ Жүктеу қатеге байланысты үзілді. Адамдардың бір бөлігі сақталған болуы мүмкін; файлды қайта жүктеңіз — қайталанғандар біріктіріледі.
cimp-interrupted = ⚠️ «{ $name }» науқанына жүктеу үзілді: бот қайта іске қосылды. Сақталған адамдар: { $saved }. Сол файлды қайта жіберіңіз — сақталғандар біріктіріледі, қайталанулар болмайды.
cimp-error-too-big = ❌ Файл 20 МБ-тан үлкен. Ештеңе жүктелмеді. Оны бөліктерге бөліңіз.
cimp-error-too-many-rows = ❌ Файлда 200 000-нан астам жол бар. Ештеңе жүктелмеді. Оны бөліктерге бөліңіз.
cimp-error-not-table = ❌ Бұл CSV немесе XLSX кестесі емес. Ештеңе жүктелмеді.
cimp-error-old-xls = ❌ Excel-дің ескі пішімі (.xls). Ештеңе жүктелмеді. Файлды XLSX немесе CSV ретінде сақтаңыз.
cimp-error-bad-xlsx = ❌ XLSX файлы бүлінген немесе Excel кітабы емес. Ештеңе жүктелмеді.
cimp-error-undecodable = ❌ Файлдың мәтінін оқу мүмкін болмады. Ештеңе жүктелмеді. CSV файлын UTF-8 немесе Windows-1251 кодтауында сақтаңыз.
cimp-error-empty = ❌ Файл бос. Ештеңе жүктелмеді.
cimp-error-missing-columns = ❌ Міндетті бағандар жоқ: { $columns }. Ештеңе жүктелмеді. Тақырыптарды үлгіден алыңыз.
cimp-col-name = Аты-жөні
cimp-col-phone = Телефон нөмірі
cimp-col-birth-year = Туған жылы
cimp-col-age = Жасы
cimp-col-territory = Аумақ
cimp-col-address = Мекенжай
cimp-col-consent = Келісім күні
cimp-col-username = Telegram аккаунты
cimp-template-caption = Адамдарды жүктеуге арналған үлгі: бірінші жол — тақырыптар, екіншісі — мысал (оны өшіріңіз). XLSX те, CSV де жарайды.
cimp-template-example-name = Сейітова Әлия Қайратқызы
cimp-template-example-address = Ленин көшесі, 5-үй, 12-пәтер
