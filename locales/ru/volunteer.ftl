## Volunteer sign-up, applications and decisions

btn-become-volunteer = 🤝 Стать волонтёром
btn-share-contact = 📱 Поделиться контактом
btn-skip = Пропустить
btn-agree = ✅ Даю согласие
btn-approve = ✅ Одобрить
btn-reject = ✖️ Отклонить
btn-open-application = Открыть № { $id }
btn-edit-name = ✏️ Имя
btn-edit-phone = ✏️ Телефон
btn-edit-territory = ✏️ Территория
btn-edit-skills = ✏️ Навыки
btn-edit-age = ✏️ Возраст
btn-edit-availability = ✏️ Когда
btn-edit-dobro = ✏️ DOBRO.RF

skill-delivery = Доставка продуктов и лекарств
skill-utilities = Помощь с коммунальными платежами
skill-coal = Доставка угля
skill-household = Уборка снега и помощь по дому
skill-driving = Поездки и сопровождение на своей машине
skill-calls = Повторные обзвоны
skill-medic = Волонтёр-медик
skill-safety = Волонтёр безопасности
skill-legal = Юридическая помощь

age-under18 = до 18 лет
age-18-34 = 18–34 года
age-35-54 = 35–54 года
age-55plus = 55+, «Серебряный волонтёр»

availability-weekdays = По будням
availability-weekends = По выходным
availability-evenings = По вечерам

signup-start = 🤝 Анкета волонтёра: восемь коротких шагов. На любом шаге можно нажать «Назад» или «Отмена».
signup-ask-name = Как вас зовут? Напишите имя и фамилию.
signup-bad-name = Имя должно быть длиной от 1 до 100 символов и содержать буквы. Напишите, пожалуйста, ещё раз.
signup-ask-phone = Ваш номер телефона: нажмите «📱 Поделиться контактом» или напишите номер, например +7 903 123-45-67.
signup-bad-phone = Не получилось распознать номер. Нужен российский или казахстанский номер, например +7 903 123-45-67 или 8 701 123 45 67.
signup-not-own-contact = Это чужой контакт. Поделитесь своим кнопкой «📱 Поделиться контактом» или напишите свой номер.
signup-ask-territory = Где вы готовы помогать? Выберите территорию:
signup-ask-skills = Чем вы можете помочь? Отметьте всё подходящее и нажмите «Готово».
signup-pick-skill = Отметьте хотя бы один пункт.
signup-ask-age = Сколько вам лет?
signup-ask-availability = Когда вы обычно можете помогать? Отметьте и нажмите «Готово».
signup-pick-availability = Отметьте хотя бы один вариант.
signup-ask-dobro = Если вы зарегистрированы на DOBRO.RF, пришлите ID или ссылку на профиль, чтобы ваши часы учитывались и там. Или нажмите «Пропустить».
signup-bad-dobro = Пришлите ID или ссылку на профиль DOBRO.RF (не больше 200 символов) или нажмите «Пропустить».
signup-consent =
    <b>Согласие на обработку персональных данных</b>
    Я даю штабу согласие на обработку моих персональных данных (имя, телефон, территория, возрастная группа, навыки) для организации волонтёрской помощи. Данные видят только координаторы штаба. Согласие можно отозвать командой /forget, и данные будут удалены.
signup-ask-consent = Чтобы отправить анкету, нажмите «✅ Даю согласие» под текстом согласия.
signup-summary =
    <b>Проверьте анкету</b>
    Имя: { $name }
    Телефон: { $phone }
    Территория: { $territory }
    Навыки: { $skills }
    Возраст: { $age }
    Когда: { $availability }
    DOBRO.RF: { $dobro }
signup-summary-hint = Всё верно? Нажмите «Подтвердить» или исправьте нужный пункт.
signup-dobro-none = не указан
signup-sent = ✅ Анкета № { $id } отправлена координатору территории. О решении мы сообщим здесь.
signup-already-pending = Ваша анкета уже на проверке. О решении мы сообщим здесь.
signup-already-volunteer = Вы уже волонтёр штаба.
signup-blocked = Координатор заблокировал вашу анкету. Если это ошибка, позвоните в штаб.
signup-no-territories = Приём анкет волонтёров пока не открыт: штаб ещё не загрузил свои территории.

volunteer-application =
    🆕 <b>Анкета волонтёра № { $id }</b>
    Имя: { $name }
    Телефон: { $phone }
    Территория: { $territory }
    Навыки: { $skills }
    Возраст: { $age }
    Когда: { $availability }
    DOBRO.RF: { $dobro }
volunteer-application-decided = { $verdict }: анкета волонтёра № { $id } ({ $name }). Решение: { $who }, { $when }.
verdict-approved = ✅ Одобрена
verdict-rejected = ✖️ Отклонена
application-already-decided = Уже решено: { $verdict }, { $who }, { $when }.
application-ask-reason = Почему вы отклоняете анкету № { $id }? Напишите причину одним сообщением: её увидит заявитель.
application-bad-reason = Причина должна быть длиной от 1 до 500 символов.
application-approved-done = ✅ Анкета № { $id } одобрена. Волонтёр получит уведомление.
application-rejected-done = Анкета № { $id } отклонена. Заявитель получит уведомление с причиной.
application-not-yours = Эта анкета не с вашей территории.
volunteer-approved = 🎉 Координатор одобрил вашу анкету. Вы волонтёр штаба! Задачи вашей территории будут приходить сюда.
volunteer-rejected = К сожалению, координатор отклонил вашу анкету. Причина: { $reason }
applications-title = <b>Анкеты на проверке</b>: { $first }–{ $last } из { $total }
applications-row = № { $id } · { $name } · { $territory } · { $when }
applications-empty = Анкет на проверке нет.

## The volunteer's profile: pause, leave, erase; coordinators' card, block and unblock

btn-my-profile = 👤 Мой профиль
btn-pause = ⏸ Приостановить
btn-resume = ▶️ Возобновить
btn-leave = 🚪 Выйти из волонтёров
btn-leave-yes = Да, выйти
btn-forget-yes = Да, удалить мои данные
btn-block = ⛔ Заблокировать
btn-unblock = ✅ Разблокировать
btn-open-volunteer = { $name } (№ { $id })

profile-card =
    👤 <b>Профиль волонтёра № { $id }</b>
    Имя: { $name }
    Телефон: { $phone }
    Территория: { $territory }
    Навыки: { $skills }
    Возраст: { $age }
    Когда: { $availability }
    DOBRO.RF: { $dobro }
    Выполнено задач: { $tasks } · часов: { $hours }
profile-paused = ⏸ Приостановлено до { $until }: задачи не приходят.
profile-active = ✅ Активен: задачи вашей территории приходят сюда.
profile-not-volunteer = Вы пока не волонтёр. Чтобы подать анкету, нажмите «🤝 Стать волонтёром».
pause-ask-date = До какой даты приостановить? Напишите дату, например { $example }. В этот день задачи снова начнут приходить.
pause-bad-date = Нужна дата в будущем, не дальше чем через год, в виде ДД.ММ.ГГГГ, например { $example }.
pause-done = ⏸ Готово: до { $until } задачи приходить не будут. В этот день мы напомним, что вы снова в строю.
resume-done = ▶️ Вы снова получаете задачи своей территории.
volunteer-resumed = ▶️ Пауза закончилась: вы снова получаете задачи своей территории. Спасибо, что вы с нами!
leave-confirm = Выйти из волонтёров штаба? Ваши часы и выполненные задачи сохранятся. Подать анкету снова можно в любой момент.
leave-done = Вы вышли из волонтёров. Спасибо за помощь! Вы по-прежнему можете обращаться к боту как житель.
forget-confirm = Удалить ваши персональные данные? Мы сотрём ваше имя, телефон, анкету волонтёра и данные из ваших заявок на помощь; открытые заявки будут отменены, а ещё не отправленные сообщения о вас — удалены. Для отчётов штаба останется только общее число задач и часов, без имени.
forget-done = Готово: ваши персональные данные удалены.
volunteers-title = <b>Волонтёры</b>: { $first }–{ $last } из { $total }
volunteers-empty = Волонтёров пока нет.
volunteer-card-status-approved = статус: активен
volunteer-card-status-blocked = статус: заблокирован ({ $reason })
volunteer-card-status-paused = статус: на паузе до { $until }
block-ask-reason = Почему вы блокируете волонтёра № { $id }? Напишите причину одним сообщением: её увидит волонтёр.
block-done = ⛔ Волонтёр № { $id } заблокирован.
unblock-done = ✅ Волонтёр № { $id } разблокирован.
volunteer-blocked = ⛔ Координатор заблокировал вас как волонтёра. Причина: { $reason }
volunteer-unblocked = ✅ Координатор снял блокировку: вы снова волонтёр штаба. Причина: { $reason }
btn-edit-profile = ✏️ Изменить анкету
profile-updated = ✅ Профиль обновлён.
application-withdrawn = Заявитель отозвал эту анкету.
verdict-blocked = ⛔ Заблокирован
application-own = Свою анкету одобрить или отклонить нельзя: это сделает другой координатор.
volunteer-state-unchanged = Ничего не изменилось: волонтёр № { $id } уже в этом статусе (возможно, другой координатор успел раньше).
unblock-ask-reason = Почему вы снимаете блокировку с волонтёра № { $id }? Напишите причину одним сообщением: её увидит волонтёр.
