## Coordinator tools

stats-users =
    👥 <b>Пользователи бота</b>
    Всего: { $total }
    Заблокировали бота: { $blocked }
    Читают по-русски: { $ru }
    Читают по-казахски: { $kk }
