## A task's details after it ends; requests nobody holds; a coordinator offering again or assigning

task-details-done = ✅ Задача № { $id } выполнена: { request-kind }, { $date }, { $hours } ч. Данные человека скрыты.
task-closed-no-details = Задача № { $id } закрыта: данные человека больше не показываются.
request-push-renewed = Задача № { $id } предложена заново: смотрите новое сообщение ниже.
task-assigned =
    📌 Координатор назначил вам <b>задачу № { $id }</b>: { request-kind }
    Территория: { $territory }
    Когда: { request-urgency }, { request-window }
    Откройте подробности кнопкой ниже.
btn-open-assigned = 📋 Открыть задачу № { $id }
coord-requests-unattended-mark = {" "}· ⚠️ без исполнителя
coord-requests-unattended-total = ⚠️ Без исполнителя: { $count }. Предложите заново или назначьте волонтёра в карточке заявки.
coord-unattended-note = ⚠️ Заявок без исполнителя на ваших территориях: { $count }. Откройте /requests, чтобы предложить их снова или назначить волонтёра.
coord-request-unattended-line = ⚠️ Никому не предложена: подходящих свободных волонтёров не было.
btn-request-reoffer = 🔁 Предложить снова
btn-request-assign = 👤 Назначить волонтёра
coord-request-reoffered = Заявка № { $id } предложена снова: { $count ->
    [one] { $count } волонтёру
   *[other] { $count } волонтёрам
}.
coord-request-reoffer-nobody = Заявку № { $id } некому предложить: подходящих свободных волонтёров нет. Назначьте волонтёра сами.
coord-request-reoffered-already = Заявку № { $id } уже предложили снова. Откройте карточку заново, чтобы увидеть, что изменилось.
coord-request-not-searching = Заявка № { $id } уже не в поиске: { request-status }.
coord-assign-title = Кому назначить <b>заявку № { $id }</b> ({ request-kind })? Сначала — волонтёры с нужными навыками; в скобках — задач в работе.
coord-assign-nobody = На территории заявки № { $id } нет свободных волонтёров. Заявка остаётся в списке без исполнителя.
btn-assign-volunteer = { $name } ({ $tasks })
coord-request-assigned = Заявка № { $id } назначена: { $name }. Волонтёру отправлено уведомление.
coord-assign-unavailable = Этот волонтёр сейчас не может принять заявку (на паузе, заблокирован или ушёл). Выберите другого.
scheduler-job-waiting-requests = Предложение ждущих заявок следующей волне волонтёров и новым свободным волонтёрам
scheduler-job-retention = Удаление старых отправленных сообщений из очереди
scheduler-job-erasures = Завершение удалений данных, прерванных остановкой бота
