## Delivery: personal data that could not be hidden (edit and delete refused, id unknown)

delivery-unhidden-title =
    ⚠️ <b>Жасыру мүмкін болмаған дербес деректер</b>, барлығы { $count }.
    Осы адамдардан деректер бар хабарламаны өшіруді сұраңыз (себебі — Telegram жауабы):
delivery-unhidden-row = { $chat } чаты · { $when } · { $reason }
delivery-nothing-unhidden = Жасырылуға тиіс дербес деректердің бәрі жасырылды.
