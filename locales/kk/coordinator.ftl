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
