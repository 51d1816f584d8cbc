## Coordinator tools

stats-users =
    👥 <b>Пользователи бота</b>
    Всего: { $total }
    Заблокировали бота: { $blocked }
    Читают по-русски: { $ru }
    Читают по-казахски: { $kk }

delivery-report =
    📬 <b>Доставка сообщений бота</b>
    В очереди: { $pending }
    Отправляются сейчас: { $sending }
    Доставлено за сутки: { $sent }
    Не доставлено: { $failed }
    Не отправлено, бот заблокирован: { $blocked }
delivery-count-over = более { $count }
delivery-failed-title = <b>Последние недоставленные</b> (причина — ответ Telegram):
delivery-failed-row = № { $id } · чат { $chat } · { $when } · { $reason }
delivery-nothing-failed = Недоставленных сообщений нет.
delivery-blocked-title = <b>Заблокировали бота</b>, всего { $count }:
delivery-blocked-row = { $name } (id { $id }), с { $when }
delivery-nobody-blocked = Никто не заблокировал бота.

scheduler-status =
    ⏰ <b>Планировщик</b>
    Напоминаний в ожидании: { $pending }
    Ближайшее: { $next_due }
    Пропущено, пока бот не работал: { $missed }
scheduler-jobs-title = <b>Регулярные задания</b> (время { $zone }):
scheduler-job-row = { $job }: следующий запуск { $next_run }
scheduler-job-reminders = Напоминания
scheduler-missed-title = <b>Последние пропущенные:</b>
scheduler-missed-row = № { $id } · { $kind } · чат { $chat } · срок { $due } · пропусков: { $count }
scheduler-none = нет
scheduler-not-running = остановлен

## Territories, appointing coordinators, the audit log

territories-none = Территории ещё не загружены. Загрузить: <code>python -m bot territories load kuzbass</code> (или kazakhstan, или свой файл), либо TERRITORIES в config.env.
territories-title-all = <b>Территории штаба</b> ({ $count }):
territories-title-mine = <b>Ваши территории</b> ({ $count }):
territories-row = { $name } — <code>{ $code }</code>, { $zone }

appoint-ask-person = Кого назначить координатором? Пришлите Telegram id, @username или перешлите сюда любое сообщение этого человека. Он должен хотя бы раз написать боту.
appoint-person-unknown = Не нашёл такого человека среди тех, кто писал боту. Попросите его отправить боту /start и попробуйте ещё раз.
appoint-person-hidden = Telegram скрыл автора пересланного сообщения (его настройки приватности). Пришлите его id или @username.
appoint-pick-territories = Выберите территории нового координатора и нажмите «Готово». Координатор: { $name }
appoint-pick-nothing = Выберите хотя бы одну территорию или «Штаб: все территории».
appoint-scope-hq = штаб, все территории
appoint-confirm =
    Назначить координатора?
    Кто: { $name }
    Где: { $what }
appoint-done = ✅ Готово: { $name } теперь координатор ({ $what }).
form-use-buttons = Пожалуйста, воспользуйтесь кнопками выше или нажмите «Отмена».

coordinator-appointed-hq = 🗂 Вас назначили координатором штаба по всем территориям. Команды координатора — в меню команд, /help расскажет, что вы можете.
coordinator-appointed-territories = 🗂 Вас назначили координатором территорий ({ $count }). Список — /territories. Команды координатора — в меню команд, /help расскажет, что вы можете.
coordinator-dismissed = Вы больше не координатор. Спасибо за вашу работу!

coordinators-empty = Назначенных координаторов пока нет. Назначить — /appoint. Координаторы из ADMIN_IDS здесь не показаны.
coordinators-title = <b>Координаторы</b> ({ $count }). Координаторы из ADMIN_IDS здесь не показаны.
coordinators-row = { $name } (id { $id }) — { $what }
dismiss-confirm = Снять с роли координатора: { $name }?
dismiss-done = { $name } больше не координатор.
dismiss-gone = { $name } уже не координатор.

audit-title = <b>Журнал действий</b>, записи { $first }–{ $last } из { $total }:
audit-total-over = более { $count }
audit-row = { $when } · { $actor } · { $action } · { $target } · { $scope }
audit-empty = Записей нет.
audit-usage = Фильтры: /audit [@username или id] [действие] [дата или дата..дата]. Например: /audit appoint 01.11.2026..30.11.2026
audit-bad-filter = Не понял фильтр «{ $token }».

btn-hq-all = Штаб: все территории
btn-done = Готово
btn-prev = ◀️ Назад
btn-next = Далее ▶️
btn-dismiss = Снять: { $name }
btn-dismiss-yes = Да, снять
