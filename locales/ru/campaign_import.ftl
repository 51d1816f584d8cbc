# Importing people into a vaccination follow-up campaign (handlers/coordinator/campaign_import.py)

cimp-usage = Чтобы загрузить людей в кампанию, отправьте /import и номер кампании, например: /import 12
cimp-refused-not-found = Кампания не найдена.
cimp-refused-closed = Кампания закрыта: загрузить в неё людей нельзя.
cimp-refused-out-of-scope = Эта кампания не в ваших территориях.
cimp-busy = В эту кампанию уже идёт загрузка. Дождитесь результата.
cimp-ask-file =
    📥 Загрузка людей в кампанию «{ $name }» (№ { $id }).

    Отправьте файл CSV или XLSX (Excel) документом. Столбцы:
    • ФИО
    • Телефон (без телефона, но с адресом — человек попадёт в подомовой обход)
    • Год рождения или Возраст
    • Территория — код или название, как в боте
    • Адрес (необязательно)
    • Дата согласия — 05.12.2026 или 2026-12-05
    • Telegram (необязательно)

    Шаблон с заголовками — кнопка ниже. «✖️ Отмена» или /cancel — выйти.
cimp-btn-template = 📄 Шаблон
cimp-hint-file = Пришлите файл CSV или XLSX документом (скрепка → «Файл»). «✖️ Отмена» или /cancel — выйти.
cimp-received = ⏳ Файл получен, проверяю строки…
cimp-progress-reading = ⏳ Проверено строк: { $rows }…
cimp-progress-writing = ⏳ Сохраняю: { $done } из { $total }…
cimp-progress-done = ✅ Проверено строк: { $rows }.
cimp-result =
    ✅ Загрузка в кампанию «{ $name }» завершена.
    Строк в файле: { $rows }
    Добавлено: { $accepted }
    Объединено с уже известными: { $merged }
    Отклонено: { $rejected }
cimp-reasons-title = Причины отказа:
cimp-reason-line = • { $reason }: { $count }
cimp-reason-name = нет ФИО
cimp-reason-phone = неверный номер телефона
cimp-reason-no-contact = нет ни телефона, ни адреса
cimp-reason-birth-year = нет года рождения или возраст не от 18 до 120 лет
cimp-reason-territory-unknown = неизвестная территория
cimp-reason-territory-outside = территория не входит в кампанию
cimp-reason-territory-not-yours = территория не из ваших
cimp-reason-consent-missing = нет даты согласия
cimp-reason-consent-bad = дата согласия не распознана
cimp-reason-consent-future = дата согласия в будущем
cimp-reason-address = слишком длинный адрес
cimp-rejected-caption = Отклонённые строки с причиной в последнем столбце. Исправьте их и загрузите этот файл снова.
cimp-rejected-column = Причина
cimp-failed = ⚠️ Загрузка прервалась из-за ошибки. Часть людей могла сохраниться; загрузите файл ещё раз — повторы объединятся.
cimp-interrupted = ⚠️ Загрузка в кампанию «{ $name }» прервалась: бот перезапускался. Уже сохранено людей: { $saved }. Отправьте тот же файл ещё раз — сохранённые объединятся, дублей не будет.
cimp-error-too-big = ❌ Файл больше 20 МБ. Ничего не загружено. Разделите его на части.
cimp-error-too-many-rows = ❌ В файле больше 200 000 строк. Ничего не загружено. Разделите его на части.
cimp-error-not-table = ❌ Это не таблица CSV или XLSX. Ничего не загружено.
cimp-error-old-xls = ❌ Старый формат Excel (.xls). Ничего не загружено. Сохраните файл как XLSX или CSV.
cimp-error-bad-xlsx = ❌ Файл XLSX повреждён или это не книга Excel. Ничего не загружено.
cimp-error-undecodable = ❌ Не удалось прочитать текст файла. Ничего не загружено. Сохраните CSV в кодировке UTF-8 или Windows-1251.
cimp-error-empty = ❌ Файл пустой. Ничего не загружено.
cimp-error-missing-columns = ❌ Нет обязательных столбцов: { $columns }. Ничего не загружено. Возьмите заголовки из шаблона.
cimp-col-name = ФИО
cimp-col-phone = Телефон
cimp-col-birth-year = Год рождения
cimp-col-age = Возраст
cimp-col-territory = Территория
cimp-col-address = Адрес
cimp-col-consent = Дата согласия
cimp-col-username = Telegram
cimp-template-caption = Шаблон для загрузки людей: первая строка — заголовки, вторая — пример (удалите его). Годится и XLSX, и CSV.
cimp-template-example-name = Иванова Мария Петровна
cimp-template-example-address = ул. Ленина, 5, кв. 12
