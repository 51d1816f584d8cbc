## Broadcasts (issue 20): the compose form, the preview, progress and the final report

cmd-broadcast = Рассылка: сообщение многим людям
broadcast-start = 📣 <b>Новая рассылка.</b> Выберите, кому она, напишите текст на русском и казахском, посмотрите, как её увидят, и подтвердите.
broadcast-ask-kind = Кому отправить?
broadcast-kind = { $kind ->
    [volunteers] 🤝 Волонтёрам
    [citizens] 🏠 Жителям (не волонтёрам)
    [subscribers] 🛟 Подписчикам советов по безопасности
   *[all] 👥 Всем
}
broadcast-ask-where = Где?
broadcast-where-all = 🌍 Везде
broadcast-where-mine = 🗺 Во всех моих территориях
broadcast-where-one = 📍 В одной территории
broadcast-ask-territory = Выберите территорию:
broadcast-ask-skill = Волонтёрам с каким навыком?
broadcast-skill-any = Любым
broadcast-ask-language = На каком языке читают получатели?
broadcast-language = { $language ->
    [ru] Только читающим по-русски
    [kk] Только читающим по-казахски
   *[both] Всем: по-русски и по-казахски
}
broadcast-ask-active = Кто был в боте недавно?
broadcast-active = { $days ->
    [0] Все, без ограничения
   *[other] Заходили за последние { $days } дн.
}
broadcast-ask-photo = Пришлите фото для рассылки или нажмите «Пропустить».
broadcast-bad-photo = Пришлите фото (не файлом) или нажмите «Пропустить».
broadcast-photo-yes = 🖼 Фото есть
broadcast-ask-ru = Напишите текст на <b>русском</b> (можно с жирным и курсивом; до { $max } символов). «Пропустить» — если по-русски отправлять не нужно.
broadcast-ask-kk = Напишите текст на <b>казахском</b> (до { $max } символов). «Пропустить» — если по-казахски отправлять не нужно.
broadcast-bad-text = Нужен текст от 1 до { $max } символов. Напишите его ещё раз или нажмите «Пропустить».
broadcast-no-text = Нужен хотя бы один текст: на русском или на казахском.
broadcast-ask-urgent = Срочная рассылка? Срочная уходит сразу, даже в «тихие часы» (ночью). Обычная ждёт утра в часовом поясе каждого получателя.
broadcast-urgent-no = 🕊 Обычная: ночью ждёт утра
broadcast-urgent-yes = 🚨 Срочная: сразу, и ночью тоже
broadcast-preview-title = 👁 Так рассылку увидят читающие { $locale ->
    [kk] по-казахски
   *[ru] по-русски
} ({ $count } чел.):
broadcast-summary =
    📣 <b>Рассылка: проверьте перед отправкой</b>
    Кому: { $kind }
    Где: { $where }
    Навык: { $skill }
    Язык: { $language }
    Активность: { $active }
    Срочность: { $urgent }
    Получат: <b>{ $reachable }</b> (по-русски { $ru }, по-казахски { $kk })
    Заблокировали бота и не получат: { $blocked }
broadcast-summary-ok = Всё готово: нажмите «📣 Отправить».
broadcast-missing-language = ⚠️ В этой аудитории { $count } чел. читают { $locale ->
    [kk] по-казахски
   *[ru] по-русски
}, а текста на этом языке нет. Добавьте текст или выберите только другой язык: другой язык им не подставляется.
broadcast-nobody = ⚠️ В этой аудитории нет никого, кому можно отправить. Измените аудиторию.
broadcast-too-long = ⚠️ С фото подпись не длиннее { $max } символов. Сократите текст или уберите фото.
broadcast-too-long-text = ⚠️ Текст рассылки не длиннее { $max } символов. Сократите его.
broadcast-out-of-scope = ⚠️ Рассылать можно только в своих территориях.
btn-broadcast-send = 📣 Отправить
btn-broadcast-edit-audience = 👥 Аудитория
btn-broadcast-edit-texts = ✏️ Тексты и фото
btn-broadcast-edit-urgent = 🚨 Срочность
broadcast-started = ✅ Рассылка № { $id } запущена. Ход отправки — в сообщении ниже, оно обновляется.
broadcast-progress-start = 📣 Рассылка № { $id }: готовлю список получателей…
broadcast-progress =
    📣 Рассылка № { $id }: отправляется
    Получателей: { $enqueued }
    ✅ Отправлено: { $sent }
    ⚠️ Не доставлено: { $failed }
    🚫 Заблокировали бота: { $blocked }
    ⏳ Осталось: { $left }{ $waiting ->
        [0] {""}
       *[other] , из них ждут утра («тихие часы»): { $waiting }
    }
    Примерно ещё: { $eta } мин.
broadcast-progress-done =
    ✅ Рассылка № { $id } завершена
    Отправлено: { $sent } из { $enqueued }
    Не доставлено: { $failed }
    Заблокировали бота: { $blocked }
broadcast-progress-cancelled =
    ✖️ Рассылка № { $id } отменена
    Отправлено до отмены: { $sent }
    Не отправлено: { $cancelled }
    Не доставлено: { $failed }
    Заблокировали бота: { $blocked }
broadcast-report =
    📊 <b>Итог рассылки № { $id }</b>{ $cancelled_flag ->
        [yes] {" "}(отменена)
       *[no] {""}
    }
    Получателей: { $enqueued }
    Отправлено: { $sent }
    Не доставлено: { $failed } (причины — в /delivery)
    Заблокировали бота: { $blocked } (им не отправляли и не будут)
    Отменено: { $cancelled }
    Заняло: { $minutes } мин.
btn-broadcast-cancel = ✖️ Отменить рассылку
broadcast-cancelled = Рассылка отменена: неотправленные сообщения не уйдут.
broadcast-not-live = Эта рассылка уже завершена.
broadcast-not-yours = Отменить рассылку может её автор или штаб.
audit-action-broadcast = рассылка
audit-action-broadcast-cancelled = отмена рассылки
