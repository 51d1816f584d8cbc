## Conversation details (issue 14): voice notes, audit actions in words

# A voice note, video note or audio file where the bot expects text or a button.
voice-not-understood = 🎙 К сожалению, голосовые сообщения я слушать не умею. Напишите ответ текстом или нажмите кнопку.
# The same outside any form: what to do instead.
voice-outside-form = 🎙 Спасибо за сообщение! К сожалению, голосовые сообщения я слушать не умею. Чтобы попросить о помощи, нажмите «🆘 Попросить о помощи» внизу: я задам несколько простых вопросов, на многие можно ответить кнопками. Если писать неудобно, попросите штаб перезвонить вам (кнопка в меню ниже) или позвоните в штаб сами: заявку примут по телефону.

# The audit log in words; the codes stay in the database and in /audit filters.
audit-action-appoint = Назначение координатора
audit-action-dismiss = Снятие координатора
audit-action-approve-volunteer = Анкета волонтёра одобрена
audit-action-reject-volunteer = Анкета волонтёра отклонена
audit-action-block-volunteer = Волонтёр заблокирован
audit-action-unblock-volunteer = Блокировка волонтёра снята
audit-action-view-application = Просмотр анкеты волонтёра
audit-action-view-volunteer = Просмотр карточки волонтёра
audit-action-view-request = Просмотр заявки
audit-action-hotline-request = Заявка по звонку
audit-action-request-assigned = Заявка назначена волонтёру
audit-action-request-reoffered = Заявка предложена снова
audit-action-request-failed = Заявка закрыта: не удалось помочь
audit-action-request-erased = Личные данные заявки стёрты
audit-action-task-declined = Волонтёр вернул задачу
audit-action-callback-request = Заявка по обратному звонку
audit-action-callback-closed = Обратный звонок закрыт
audit-action-view-callbacks = Просмотр списка обратных звонков
audit-action-denied-command = Команда координатора без прав
audit-action-denied-callback = Кнопка координатора без прав
audit-action-denied-scope = Действие вне своих территорий
audit-action-campaign-create = Кампания создана
audit-action-campaign-pause = Кампания приостановлена
audit-action-campaign-resume = Кампания продолжена
audit-action-campaign-close = Кампания закрыта
audit-action-campaign-import = Загрузка людей в кампанию
audit-action-campaign-import-refused = Файл для кампании отклонён
audit-action-campaign-export = Выгрузка людей кампании для медицинской организации
audit-action-campaign-links = Файл ссылок для самоопроса кампании
audit-action-campaign-link-linked = Человек подтвердил личность по ссылке опроса
audit-action-campaign-link-locked = Ссылка опроса заблокирована после трёх неверных ответов
audit-action-campaign-to-visits = Недозвонившиеся переданы в подомовой обход
