## Floods, odd input and actions whose scope changed (issue 13)

# One notice per flood: the messages after it are dropped until the person slows down.
throttle-slow-down = ⏳ Хабарламалар қатарынан тым көп. Бірнеше секунд күтіңіз: мен оларды оқып үлгермей жатырмын.
# The short answer on a button pressed too often (shown on the button itself).
throttle-button = ⏳ Тым жиі басылды. Бірнеше секунд күтіңіз.
# A reason prompt completed after the coordinator's territories changed: nothing was done.
scope-changed-refused = ⛔ Сіздің аумақтарыңыз өзгерді, № { $id } енді сіздің аймағыңызда емес. Ештеңе орындалмады.
