## Delivery health (issue 20): why a message was not delivered, in words; what did not reach
## the coordinator; the export of everything undelivered

delivery-why-blocked = Адам ботты бұғаттады: ол ботқа өзі жазбайынша, оған жазбаймыз.
delivery-why-cancelled = Хабарлама тарату жіберілгенге дейін тоқтатылды.
delivery-why-no-chat = Чат табылмады: адам аккаунтын өшірген немесе бот оған қолжетімсіз.
delivery-why-too-long = Хабарлама Telegram үшін тым ұзын.
delivery-why-no-original = Түзететін ештеңе болмады: бастапқы хабарлама жеткізілмеген.
delivery-why-gave-up = Telegram ұзақ жауап бермеді (сервер немесе желі ақауы); бірнеше әрекеттен кейін жіберу тоқтатылды.
delivery-why-other = Telegram бас тартты; себебі — оның жауабында.
delivery-to-you-title = 📭 <b>Сізге жеткізілмегендер:</b>
delivery-to-you-none = 📭 Боттың барлық хабарламасы сізге жеткізілді.
delivery-broadcasts-title = 📣 <b>Сіздің хабарлама таратуыңызда жеткізілмегендер:</b>
delivery-broadcasts-none = 📣 Соңғы хабарлама таратуларыңызда бәрі жеткізілді (ботты бұғаттағандар — әрқайсысының қорытындысында).
delivery-mine-row = { $when } · { $why } ({ $reason })
btn-delivery-xlsx = 📥 XLSX экспорттау
btn-delivery-csv = 📥 CSV экспорттау
delivery-export-wait = Файлды дайындап жатырмын…
delivery-export-caption = Жеткізілмегендер және ботты бұғаттағандар: { $rows } жол.
delivery-sheet = Жеткізілмеген
delivery-col-kind = Не
delivery-col-when = Қашан
delivery-col-chat = Чат нөмірі
delivery-col-name = Аты
delivery-col-username = Username
delivery-col-status = Күйі
delivery-col-subject = Не туралы
delivery-col-attempts = Әрекет саны
delivery-col-reason = Telegram жауабы
delivery-col-why = Түсіндірме
audit-action-delivery-export = жеткізілмеген хабарламаларды экспорттау
