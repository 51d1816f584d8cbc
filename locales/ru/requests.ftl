## Help requests: the citizen's form, "My requests", the volunteer's task, the coordinator's list

request-kind = { $kind ->
    [groceries] Продукты
    [medicine] Лекарства
    [utilities] Коммунальные платежи
    [coal] Доставка угля
    [snow] Уборка снега
    [ride] Поездка или сопровождение
    [household] Помощь по дому
   *[other] Другая помощь
}
request-urgency = { $urgency ->
    [today] 🚨 сегодня
    [soon] в течение трёх дней
   *[planned] { $planned }
}
request-window = { $window ->
    [morning] утром (9:00–12:00)
    [day] днём (12:00–17:00)
    [evening] вечером (17:00–21:00)
    [any] в любое время
   *[other] { $window }
}
request-status = { $status ->
    [new] 🔎 ищем волонтёра
    [taken] 🙋 волонтёр назначен
    [on_way] 🚶 волонтёр в пути
    [done] ✅ выполнена
    [cancelled] ✖️ отменена
   *[failed] ⚠️ не удалось помочь
}

## Buttons and commands

btn-ask-help = 🆘 Попросить о помощи
btn-my-requests = 📋 Мои заявки
btn-my-tasks = 🧰 Мои задачи
btn-for-me = Для меня
btn-for-other = Для другого человека
btn-yes = Да
btn-no = Нет
btn-send-location = 📍 Отправить геопозицию
btn-pin-keep = Да, точка верная
btn-pin-again = Отправлю другую точку
btn-urgency-today = 🚨 Сегодня
btn-urgency-soon = В течение 3 дней
btn-urgency-planned = 📅 В определённый день
btn-window-morning = Утром, 9–12
btn-window-day = Днём, 12–17
btn-window-evening = Вечером, 17–21
btn-window-any = В любое время
btn-rq-edit-kind = ✏️ Вид помощи
btn-rq-edit-person = ✏️ Для кого
btn-rq-edit-territory = ✏️ Территория
btn-rq-edit-address = ✏️ Адрес
btn-rq-edit-details = ✏️ Что нужно
btn-rq-edit-when = ✏️ Когда
btn-open-request = № { $id }: { request-kind }
btn-cancel-request = ✖️ Отменить заявку
btn-cancel-request-yes = Да, отменить заявку
btn-rate = ⭐ Оценить помощь
btn-take-task = Взять
btn-on-my-way = 🚶 В пути
btn-task-done = ✅ Выполнено
btn-task-cannot = ✖️ Не смогу
btn-open-task = № { $id }: { request-kind }
btn-request-fail = ⚠️ Не удалось помочь
btn-request-erase = 🗑 Стереть личные данные
btn-request-erase-yes = Да, стереть
btn-requests-all = Все заявки, включая закрытые
btn-requests-open = Только открытые

cmd-request = Попросить о помощи
cmd-myrequests = Мои заявки
cmd-tasks = Мои задачи волонтёра
cmd-requests = Заявки территорий
cmd-hotline = Заявка по звонку на горячую линию

## The request form

rq-start = 🆘 Заявка на помощь: несколько коротких шагов. На любом шаге можно нажать «Назад» или «Отмена».
rq-start-hotline = ☎️ Заявка по звонку на горячую линию. Заполните её со слов позвонившего; о ходе заявки вы узнаете в /requests.
rq-ask-kind = Какая помощь нужна?
rq-ask-who = Для кого нужна помощь?
rq-ask-caller-phone = Телефон позвонившего, например +7 913 123-45-67:
rq-ask-name-self = Как к вам обращаться? Имя и отчество увидят только волонтёр, который возьмёт заявку, и координатор.
rq-ask-name-other = Как зовут человека, которому нужна помощь? Имя и отчество.
rq-bad-name = Имя — от 1 до 100 символов, с буквами. Напишите, пожалуйста, ещё раз.
rq-ask-age = Сколько лет этому человеку? Напишите число, например 78.
rq-bad-age = Возраст — число от 1 до 120, например 78.
rq-ask-phone-self = Телефон для связи с волонтёром: нажмите «📱 Поделиться контактом» или напишите номер.
rq-ask-phone-other = Телефон человека, которому нужна помощь, например +7 913 123-45-67. Если он не берёт трубку, напишите ваш номер.
rq-bad-phone = Не получилось распознать номер. Нужен российский или казахстанский номер, например +7 913 123-45-67 или 8 701 123 45 67.
rq-ask-isolation = Этот человек на самоизоляции (не выходит из дома)?
rq-ask-territory = Где нужна помощь? Выберите территорию:
rq-ask-address = Адрес: улица, дом, квартира, подъезд и этаж. Его увидят только волонтёр, который возьмёт заявку, и координатор.
rq-bad-address = Напишите адрес текстом: от 5 до 300 символов.
rq-ask-pin = Можно отправить точку на карте, чтобы волонтёр быстрее нашёл дом: кнопка «📍 Отправить геопозицию» или 📎 → «Геопозиция». Или нажмите «Пропустить».
rq-pin-outside = Эта точка далеко от территории «{ $territory }». Точка верная?
rq-pin-again = Отправьте другую точку или нажмите «Пропустить».
rq-ask-details = Что именно нужно? Например: «хлеб, молоко, лекарства по рецепту».
rq-bad-details = Опишите, что нужно, текстом: от 3 до { $max } символов (сейчас { $length }).
rq-ask-urgency = Когда нужна помощь?
rq-ask-date = Напишите дату в формате ДД.ММ.ГГГГ, например { $example }.
rq-bad-date = Нужна дата не раньше завтрашнего дня и не позже чем через 60 дней, в формате ДД.ММ.ГГГГ, например { $example }.
rq-ask-window = В какое время удобно? Выберите или напишите своё, например «14:00–16:00».
rq-bad-window = Напишите удобное время коротко, до { $max } символов, без номеров телефонов, например «14:00–16:00».
rq-consent-self =
    <b>Согласие на обработку персональных данных</b>
    Я даю штабу согласие на обработку моих данных из заявки (имя, телефон, адрес) для организации помощи. Их видят только волонтёр, который возьмёт заявку, и координаторы территории. Согласие можно отозвать командой /forget.
rq-consent-other =
    <b>Согласие человека, которому нужна помощь</b>
    Я подтверждаю, что этот человек согласен передать штабу свои данные (имя, возраст, телефон, адрес) для организации помощи. Их видят только волонтёр, который возьмёт заявку, и координаторы территории. Удалить данные можно командой /forget или по телефону штаба.
rq-consent-hotline =
    <b>Согласие позвонившего</b>
    Позвонивший согласен передать штабу данные из заявки для организации помощи; вы ему об этом сказали.
rq-ask-consent = Чтобы отправить заявку, нажмите «✅ Даю согласие» под текстом согласия.
rq-summary =
    <b>Проверьте заявку</b>
    Вид помощи: { request-kind }
    Для кого: { $who }
    Территория: { $territory }
    Адрес: { $address }
    Что нужно: { $details }
    Когда: { request-urgency }, { request-window }
rq-who-self = { $name }, тел. { $phone }
rq-who-other = { $name }, { $age } { $age ->
    [one] год
    [few] года
   *[many] лет
}, тел. { $phone }{ $isolation ->
    [yes] , на самоизоляции
   *[no] {""}
}
rq-caller-line = Позвонивший: { $phone }
rq-pin-line = 📍 Точка на карте: есть
rq-summary-hint = Всё верно? Нажмите «Подтвердить» или исправьте нужный пункт.
rq-created =
    ✅ Заявка № { $id } принята. Статус: { request-status }.
    Мы предложили её волонтёрам вашей территории и сообщим здесь о каждом шаге. Следить за заявкой: «📋 Мои заявки».
rq-created-unmatched =
    ✅ Заявка № { $id } принята. Свободных волонтёров с нужными навыками на этой территории сейчас нет, поэтому заявку получил координатор штаба: он найдёт исполнителя.
    Следить за заявкой: «📋 Мои заявки».
rq-created-hotline = ✅ Заявка № { $id } по звонку принята. Проверочный код: <b>{ $code }</b> — назовите его позвонившему: по нему он узнает волонтёра. Ход заявки: /requests
rq-no-territories = Приём заявок пока не открыт: штаб ещё не загрузил свои территории. Позвоните в штаб.
rq-out-of-scope = Эта территория не входит в ваши. Выберите одну из своих.

## "My requests"

my-requests-empty = У вас пока нет заявок. Чтобы попросить о помощи, нажмите «🆘 Попросить о помощи».
my-requests-title = <b>Мои заявки</b>
my-requests-line = № { $id } · { request-kind } · { request-status } · { $date }
request-card =
    <b>Заявка № { $id }</b>: { request-kind }
    Статус: { request-status }
    Для кого: { $who }
    Адрес: { $address }
    Что нужно: { $details }
    Когда: { request-urgency }, { request-window }
request-card-volunteer = Волонтёр: { $name }. Проверочный код: <b>{ $code }</b> — волонтёр назовёт его.
request-card-rating = Ваша оценка: { $stars }
request-card-reason = Причина: { $reason }
rq-cancel-confirm = Отменить заявку № { $id }? Волонтёр, если он уже назначен, получит уведомление.
rq-cancelled = Заявка № { $id } отменена.
rq-cannot-cancel = Заявку № { $id } уже нельзя отменить: статус «{ request-status }».
rq-ask-rating = Оцените помощь по заявке № { $id }: от 1 (плохо) до 5 (отлично).
rq-ask-comment = Спасибо! Хотите передать волонтёру пару слов благодарности? Напишите их или нажмите «Пропустить».
rq-bad-comment = Напишите благодарность текстом, до 500 символов, или нажмите «Пропустить».
rq-rated = Спасибо за оценку! Волонтёр получит вашу благодарность.
rq-cannot-rate = Оценить можно только выполненную заявку, и только один раз.
rq-not-yours = Это не ваша заявка или её уже нет.

## What the requester hears

request-taken = Заявку № { $id } взял волонтёр { $name }. Проверочный код: <b>{ $code }</b> — волонтёр назовёт его, чтобы вы знали, что он от штаба.
request-on-way = 🚶 Волонтёр по заявке № { $id } в пути.
request-done = ✅ Заявка № { $id } выполнена. Оцените, пожалуйста, помощь: нажмите на звёзды ниже, от 1 (плохо) до 5 (отлично).
request-searching-again = Волонтёр не сможет выполнить заявку № { $id }. Ищем другого волонтёра.
request-failed = ⚠️ К сожалению, по заявке № { $id } не удалось помочь. Причина: { $reason }. Если помощь всё ещё нужна, позвоните в штаб или создайте новую заявку.

## The volunteer's task

request-push =
    🆕 <b>Задача № { $id }</b>: { request-kind }
    Территория: { $territory }
    Когда: { request-urgency }, { request-window }
request-taken-by-other = Задачу № { $id } уже взял другой волонтёр. Спасибо, что откликнулись!
request-push-closed = Задача № { $id } больше не нужна: заявку закрыли.
request-cancelled = Заявку № { $id } отменили: задача больше не нужна.
request-thanks = 🙏 Благодарность за задачу № { $id }: { $stars }
request-thanks-comment = 💬 Слова благодарности за задачу № { $id }: «{ $comment }»
task-details =
    📌 <b>Задача № { $id }</b>: { request-kind }
    Кому: { $who }
    Адрес: { $address }
    Что нужно: { $details }
    Когда: { request-urgency }, { request-window }
    Проверочный код: <b>{ $code }</b> — назовите его, если спросят, кто вы.
task-details-hidden = Задача № { $id } больше не ваша: данные человека скрыты.
task-map-link = 📍 Точка на карте: { $lat }, { $lon }
task-caller-line = Заявка по звонку, телефон позвонившего: { $phone }
task-status-line = Статус: { request-status }
task-taken = ✅ Вы взяли задачу № { $id }. Подробности — в следующем сообщении.
task-taken-late = Эту задачу уже взял другой волонтёр или её закрыли. Спасибо, что откликнулись!
task-own-request = Это ваша собственная заявка: её возьмёт другой волонтёр.
task-not-volunteer = Брать задачи могут одобренные волонтёры, не стоящие на паузе.
task-not-yours = Эта задача уже не ваша или закрыта.
task-already-yours = Задача № { $id } уже ваша: подробности — в сообщении выше и в «🧰 Мои задачи».
task-too-many = У вас уже { $max } задач в работе. Сначала выполните или верните одну из них — эту возьмёт другой волонтёр.
task-on-way-noted = Отметили: вы в пути. Человек получил уведомление.
task-ask-report = Коротко: что сделано по задаче № { $id }?
task-bad-report = Напишите отчёт текстом: от 2 до 1000 символов.
task-ask-hours = Сколько часов заняла задача? Например: 1,5
task-bad-hours = Нужно число часов от 0,25 до 24, например 1,5.
task-ask-receipt = Если были покупки, отправьте фото чека. Или нажмите «Пропустить».
task-bad-receipt = Отправьте фото чека (как фото, не файлом) или нажмите «Пропустить».
task-done = 🎉 Спасибо! Задача № { $id } выполнена, в ваш профиль добавлено часов: { $hours }.
task-ask-reason = Почему не получится выполнить задачу № { $id }? Коротко: причину увидит координатор.
task-bad-reason = Напишите причину текстом: от 2 до 300 символов.
task-declined = Задача № { $id } возвращена: её предложат другим волонтёрам. Спасибо, что предупредили.
my-tasks-empty = У вас пока нет задач. Новые задачи вашей территории приходят сюда сообщениями с кнопкой «Взять».
my-tasks-open = <b>Мои задачи в работе</b>
my-tasks-done = <b>Выполненные</b> (последние { $count }), всего часов: { $hours }
my-tasks-line = № { $id } · { request-kind } · { request-status }
my-tasks-done-line = № { $id } · { request-kind } · { $date } · { $hours } ч

## Coordinators: the territories' requests

coord-requests-empty = Открытых заявок на ваших территориях нет.
coord-requests-empty-all = Заявок на ваших территориях пока нет.
coord-requests-title = <b>Открытые заявки</b>: { $total }
coord-requests-title-all = <b>Все заявки</b>, сначала новые: { $first }–{ $last }
coord-requests-line = № { $id } · { request-kind } · { $territory } · { request-status }{ $hotline ->
    [yes] {" "}· ☎️
   *[no] {""}
}
coord-request-card =
    🗂 <b>Заявка № { $id }</b>: { request-kind }
    Статус: { request-status }
    Территория: { $territory }
    Для кого: { $who }
    Адрес: { $address }
    Что нужно: { $details }
    Когда: { request-urgency }, { request-window }
    Проверочный код: { $code }
    Создана: { $created }
coord-request-requester = Заявитель: { $name } (id { $user })
coord-request-volunteer = Волонтёр: { $name }, тел. { $phone }
coord-request-report = Отчёт: { $report } ({ $hours } ч)
coord-request-rating = Оценка: { $stars }
coord-request-declined = Отказался: { $name } — { $reason }
coord-request-not-yours = Эта заявка не с вашей территории.
coord-request-unmatched =
    ⚠️ <b>Заявка № { $id }</b> ({ request-kind }, { $territory }) без исполнителя: свободных волонтёров с нужными навыками нет.
    Откройте её: /requests
coord-ask-fail-reason = Почему не удалось помочь по заявке № { $id }? Причину получит заявитель.
coord-bad-fail-reason = Напишите причину текстом: от 1 до { $max } символов.
coord-request-failed = Заявка № { $id } закрыта: не удалось помочь. Заявитель получил причину.
coord-request-not-open = Заявка № { $id } уже закрыта: { request-status }.
coord-erase-confirm = Стереть имя, телефон, адрес и описание заявки № { $id }? Останутся только вид помощи, территория, даты и статус.
coord-request-erased = Личные данные заявки № { $id } стёрты.
coord-request-erasing = Стираем личные данные заявки № { $id }… Напишем, когда закончим.
