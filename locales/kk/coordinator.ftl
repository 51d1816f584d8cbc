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
    Жеткізілді: { $sent }
    Жеткізілмеді: { $failed }
    Жіберілмеді, бот бұғатталған: { $blocked }
delivery-failed-title = <b>Соңғы жеткізілмегендер</b> (себебі — Telegram жауабы):
delivery-failed-row = № { $id } · { $chat } чаты · { $when } · { $reason }
delivery-nothing-failed = Жеткізілмеген хабарлама жоқ.
delivery-blocked-title = <b>Ботты бұғаттағандар</b>, барлығы { $count }:
delivery-blocked-row = { $name } (id { $id }), { $when } бастап
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
