## Floods, odd input and actions whose scope changed (issue 13)

# One notice per flood: the messages after it are dropped until the person slows down.
throttle-slow-down = ⏳ Слишком много сообщений подряд. Подождите несколько секунд: пока я не успеваю их читать.
# The short answer on a button pressed too often (shown on the button itself).
throttle-button = ⏳ Слишком часто. Подождите несколько секунд.
# A reason prompt completed after the coordinator's territories changed: nothing was done.
scope-changed-refused = ⛔ Ваши территории изменились, и № { $id } теперь вне вашей зоны. Ничего не сделано.
