# Standing care for a senior (issue 19): a team of a social worker and two volunteers for one
# person, its schedule of visits or calls, the outcomes, missed visits.
cmd-teams = Команды постоянной опеки над пожилыми
cmd-myteams = Мои подопечные: карточка, визиты

btn-care-new = ➕ Новая команда
btn-care-team = 👥 Команда № { $team }
btn-care-open = 👵 Подопечный команды № { $team }
btn-care-add = ➕ Добавить: { $role ->
    [social_worker] соцработник
   *[volunteer] волонтёр
}
btn-care-replace = 🔄 Заменить: { $name }
btn-care-schedule = 🗓 Расписание
btn-care-end = ⏹ Завершить опеку
btn-care-erase = 🗑 Удалить данные человека
btn-care-yes-end = ⏹ Да, завершить
btn-care-yes-erase = 🗑 Да, удалить
btn-care-no = ↩️ Нет, к карточке
btn-care-record = { $kind ->
    [call] ✍️ Отметить звонок
   *[visit] ✍️ Отметить визит
}
btn-care-record-on = { $kind ->
    [call] ✍️ Отметить звонок { $date }
   *[visit] ✍️ Отметить визит { $date }
}
btn-care-outcome = { $kind ->
    [call] { $outcome ->
        [fine] ✅ Поговорил(а), всё хорошо
        [help] 🆘 Поговорил(а), нужна помощь
        [not_home] 📵 Не дозвонился(-ась)
       *[refused] 🙅 Человек отказался
    }
   *[visit] { $outcome ->
        [fine] ✅ Был(а), всё хорошо
        [help] 🆘 Был(а), нужна помощь
        [not_home] 🚪 Не застал(а) дома
       *[refused] 🙅 Человек отказался
    }
}
btn-care-still = ⏳ Ещё сделаю
btn-care-cannot = ❌ Не смогу
btn-care-hand-over = ➡️ Передать: { $name }
btn-care-kind = { $kind ->
    [call] 📞 Звонок
   *[visit] 🚶 Визит
}
btn-care-edit-name = ✏️ Имя и телефон
btn-care-edit-address = ✏️ Адрес
btn-care-edit-notes = ✏️ Заметки
btn-care-edit-kind = ✏️ Визит или звонок

care-list-title = 👥 <b>Команды опеки</b>
care-list-empty = Команд опеки пока нет. Создайте первую кнопкой ниже.
care-list-line = № { $team }: { $name } (участников: { $members })

care-form-intro = 👥 Новая команда постоянной опеки: сначала о человеке, потом вы добавите соцработника и двух волонтёров.
care-ask-territory = В каком районе живёт человек?
care-ask-name = Как зовут человека (ФИО)?
care-bad-name = Напишите имя: от 2 до 100 символов.
care-ask-phone = Телефон человека (если есть), например +7 913 123-45-67.
care-bad-phone = Это не похоже на номер телефона. Напишите его как +7 913 123-45-67 или нажмите «Пропустить».
care-ask-address = Адрес человека (улица, дом, квартира)?
care-bad-address = Напишите адрес: от 5 до 300 символов.
care-ask-notes = Что важно знать команде (здоровье, как войти, родственники)? Можно пропустить.
care-bad-notes = Напишите заметку до 1000 символов или нажмите «Пропустить».
care-form-summary = 👥 <b>Новая команда опеки</b>
    Человек: { $name }
    Телефон: { $phone }
    Адрес: { $address }
    Заметки: { $notes }
care-team-made = ✅ Команда № { $team } создана. Добавьте участников и расписание в её карточке.

care-team-card = 👥 <b>Команда опеки № { $team }</b> { $status ->
    [ended] (завершена)
   *[active] {""}
}
    Человек: { $name }
    Телефон: { $phone }
    Адрес: { $address }
    Заметки: { $notes }

    <b>Участники</b>
    { $members }

    <b>Расписание</b>: { $schedule }
    Ближайшие: { $upcoming }

    <b>Последние визиты</b>
    { $visits }
care-member-card = 👵 <b>Подопечный команды № { $team }</b>
    Человек: { $name }
    Телефон: { $phone }
    Адрес: { $address }
    Заметки: { $notes }

    <b>Команда</b>
    { $members }

    <b>Расписание</b>: { $schedule }
    Ближайшие: { $upcoming }

    <b>Последние визиты</b>
    { $visits }
care-member-line = • { $role ->
    [social_worker] соцработник
   *[volunteer] волонтёр
}: { $name }
care-no-members = пока никого
care-no-schedule = не задано
care-schedule = { $kind ->
    [call] звонок
   *[visit] визит
}, { $rule }
care-no-visits = пока не было
care-visit-line = • { $when }, { $kind ->
    [call] звонок
   *[visit] визит
}: { $status ->
    [done] { $outcome ->
        [fine] всё хорошо
        [help] нужна помощь
        [not_home] { $kind ->
            [call] не дозвонились
           *[visit] не застали дома
        }
        [refused] человек отказался
       *[none] отмечен
    }{ $late ->
        [yes] {" "}(⚠️ с опозданием)
       *[no] {""}
    }
    [missed] ⚠️ пропущен
   *[planned] запланирован
}

care-schedule-intro = 🗓 Расписание команды № { $team }: как часто и в какое время навещать или звонить.
care-ask-kind = Это визит или звонок?
care-schedule-summary = 🗓 <b>Расписание команды № { $team }</b>
    { $kind ->
        [call] Звонок
       *[visit] Визит
    }: { $rule }
care-schedule-set = ✅ Расписание команды № { $team } задано. Ближайший раз: { $next }.

care-pick-title = Кого добавить в команду № { $team } ({ $role ->
    [social_worker] соцработник
   *[volunteer] волонтёр
})?
care-nobody = Подходящих людей в этом районе нет.
care-unavailable = Этого человека нельзя выбрать: его уже нет в списке.
care-team-full = В команде уже есть { $role ->
    [social_worker] соцработник
   *[volunteer] два волонтёра
}.
care-member-joined = ✅ { $name } в команде.
care-replace-title = Кем заменить { $name } в команде № { $team }?
care-replace-gone = Этот участник уже не в команде.
care-replaced = 🔄 { $former } заменён(а): теперь в команде { $name }.
care-hand-over-gone = Визит уже отмечен или передан.
care-handed-over = ➡️ Визит передан: { $name }.
care-ask-end = Завершить опеку командой № { $team }? Визитов больше не будет, участники потеряют доступ к карточке.
care-ask-erase = Удалить данные человека из команды № { $team }? Имя, телефон, адрес и заметки о визитах будут стёрты, опека завершится. Это нельзя отменить.
care-ended = ⏹ Опека командой № { $team } завершена.
care-erased = 🗑 Данные человека из команды № { $team } удалены.
care-stale = Это уже сделано.
care-not-allowed = Эта команда не в вашей зоне.

care-member-added = 👥 Вы в команде опеки № { $team } ({ $role ->
    [social_worker] соцработник
   *[volunteer] волонтёр
}). Карточка подопечного — по кнопке ниже и в /myteams.
care-member-removed = 👥 Вы больше не в команде опеки № { $team }. Спасибо за помощь! Карточка подопечного вам больше недоступна.
care-team-ended = 👥 Опека командой № { $team } завершена. Спасибо за помощь!
care-card-hidden = 🔒 Карточка подопечного команды № { $team } скрыта.
care-visit-reminder = 🗓 Напоминание: { $kind ->
    [call] звонок подопечному
   *[visit] визит к подопечному
} команды № { $team } — { $when }. Потом отметьте, как всё прошло.
care-missed-ask = ⚠️ { $kind ->
    [call] Звонок
   *[visit] Визит
} команды № { $team } за { $date } не отмечен. Ещё сделаете? Если не ответить за { $minutes } мин, мы сообщим координатору.
care-still-thanks = Спасибо! Когда сделаете, отметьте визит в /myteams.
care-cannot-thanks = Понятно, координатор передаст визит другому участнику.
care-coord-missed = ⚠️ Команда опеки № { $team }: { $kind ->
    [call] звонок
   *[visit] визит
} за { $date } пропущен (участник: { $member }). Передайте его другому участнику или замените участника.
care-coord-needs-help = 🆘 Команда опеки № { $team }: после { $kind ->
    [call] звонка
   *[visit] визита
} { $date } { $member } сообщает, что нужна помощь:
    { $note }

care-my-none = Вы пока не состоите в командах опеки.
care-my-title = 👵 Ваши подопечные:
care-not-member = Вы не в этой команде, карточка недоступна.
care-visit-stale = Этот визит уже отмечен или больше не ваш.
care-ask-outcome = Как прошёл { $kind ->
    [call] звонок
   *[visit] визит
} { $date }?
care-ask-help = Напишите, какая помощь нужна, — координатор получит это сообщение.
care-bad-help = Опишите помощь словами (от 2 до 1000 символов).
care-recorded = ✅ Отмечено: { $outcome ->
    [fine] всё хорошо
    [help] нужна помощь (координатор уже знает)
    [not_home] { $kind ->
        [call] не дозвонились
       *[visit] не застали дома
    }
   *[refused] человек отказался
}. Спасибо!

btn-care-quit = 🚪 Выйти из команды
btn-care-yes-quit = 🚪 Да, выйти
care-ask-quit = Выйти из команды опеки № { $team }? Координатор найдёт вам замену, а карточка подопечного станет вам недоступна.
care-quit-done = Вы вышли из команды опеки № { $team }. Спасибо за помощь!
care-coord-member-left = 👥 Команда опеки № { $team }: { $name } больше не участвует. Добавьте замену в карточке команды.

scheduler-job-care = Команды опеки: визиты и звонки по расписанию, пропущенные — участнику и координаторам

audit-action-care-team-create = создание команды опеки
audit-action-care-schedule = расписание команды опеки
audit-action-care-member-add = участник команды опеки
audit-action-care-member-replace = замена участника команды опеки
audit-action-care-visit-hand-over = передача визита опеки
audit-action-care-team-end = завершение опеки
audit-action-care-person-erase = удаление данных подопечного
