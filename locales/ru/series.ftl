# Recurring help (issue 19): a request that repeats; its set-up form, its card, the first offer
# to the previous volunteer.
cmd-series = Повторяющиеся заявки: пауза, пропуск, завершение

btn-series-repeat = 🔁 Повторять
btn-series-open = 🔁 Повтор № { $id }
btn-series-pause = ⏸ Пауза
btn-series-resume = ▶️ Возобновить
btn-series-skip = ⏭ Пропустить следующую
btn-series-end = ⏹ Завершить
btn-series-take = ✅ Беру
btn-series-decline = ❌ Не смогу
btn-series-kind-weekly = По дням недели
btn-series-kind-every = Каждые N дней
btn-series-kind-monthly = Раз в месяц
btn-series-open-ended = Без срока
btn-series-until-date = До даты
btn-series-edit-repeat = ✏️ Как часто
btn-series-edit-at = ✏️ Время
btn-series-edit-until = ✏️ Срок

series-day-mon = понедельник
series-day-tue = вторник
series-day-wed = среда
series-day-thu = четверг
series-day-fri = пятница
series-day-sat = суббота
series-day-sun = воскресенье

series-intro = 🔁 Заявка № { $id } будет повторяться: каждый раз — новая задача для волонтёров. Ответьте на несколько вопросов.
series-ask-repeat = Как часто повторять?
series-ask-days = В какие дни недели? Отметьте и нажмите «Готово».
series-need-day = Отметьте хотя бы один день.
series-ask-every = Раз в сколько дней? Напишите число от 1 до 60.
series-bad-every = Напишите число дней от 1 до 60, например 3.
series-ask-mday = Какого числа каждого месяца? Напишите число от 1 до 31 (31 — последний день месяца).
series-bad-mday = Напишите число от 1 до 31, например 15.
series-ask-at = Во сколько создавать задачу? Напишите время, например 10:00 (время вашей территории).
series-bad-at = Напишите время в виде ЧЧ:ММ, например 09:30.
series-ask-end = До какого срока повторять?
series-ask-until = Напишите последнюю дату в виде ДД.ММ.ГГГГ (не позже чем через год).
series-bad-until = Нужна дата в будущем в виде ДД.ММ.ГГГГ, не позже чем через год, например 31.03.2027.

series-rule = { $kind ->
    [weekly] каждую неделю ({ $days }) в { $time }
    [monthly] каждый месяц { $day }-го числа в { $time }
   *[every] { $n ->
        [1] каждый день
        [one] каждый { $n } день
        [few] каждые { $n } дня
       *[other] каждые { $n } дней
    } в { $time }
}
series-until-none = без срока
series-until-date = до { $date } включительно
series-status = { $status ->
    [active] ✅ идёт
    [paused] ⏸ на паузе
   *[ended] ⏹ завершена
}

series-summary =
    <b>Повтор заявки № { $request }</b>
    Как часто: { $rule }
    Срок: { $until }

    Всё верно?
series-started = 🔁 Готово: повтор № { $id } создан. Следующая задача: { $next }.
series-exists = У этой заявки уже есть повтор № { $id }.
series-not-allowed = Эта заявка или повтор вам недоступны.
series-not-repeatable = Заявку № { $id } нельзя повторять: она отменена, закрыта без помощи или её данные удалены.
series-repeat-usage = Напишите номер заявки: /repeat 125

series-card =
    🔁 <b>Повтор № { $id }</b>: { request-kind } (по заявке № { $request })
    Как часто: { $rule }
    Срок: { $until }
    Статус: { series-status }
    Следующая задача: { $next }
    Создано задач: { $count }
series-paused = ⏸ Повтор № { $id } на паузе.
series-resumed = ▶️ Повтор № { $id } снова идёт.
series-skipped = ⏭ Задачу на { $date } создавать не будем.
series-ended = ⏹ Повтор № { $id } завершён.
series-stale = Это уже сделано: карточка обновлена.

series-list-title = <b>Повторяющиеся заявки</b> (сделать повтор из заявки: /repeat номер)
series-list-line = № { $id }: { request-kind }, { $rule } — { series-status }
series-list-empty = Повторяющихся заявок нет. Сделать повтор из заявки: /repeat номер

series-occurrence-created = 🔁 По вашему повтору создана заявка № { $id } на { $date }. Ищем волонтёра.
series-finished = 🔁 Повтор № { $id } завершён: срок вышел.
series-changed = 🔁 Повтор № { $id }: координатор { $action ->
    [pause] поставил его на паузу
    [resume] возобновил его
    [skip] пропустил следующую задачу
   *[end] завершил его
}.
series-first-offer =
    🔁 <b>Задача № { $id }</b>: { request-kind }, { $date }
    В прошлый раз её выполняли вы. Возьмёте снова? Ответьте до { $until }, потом задачу увидят другие волонтёры.
series-declined = Хорошо, задачу № { $id } предложим другим волонтёрам.
series-offer-stale = Это предложение уже не действует.

audit-action-series-start = повтор заявки создан
audit-action-series-pause = повтор на паузе
audit-action-series-resume = повтор возобновлён
audit-action-series-skip = задача повтора пропущена
audit-action-series-end = повтор завершён

scheduler-job-series = Повторяющиеся заявки: создать задачи по расписанию, предложить всем, если прошлый волонтёр не ответил
