## Conversation details (issue 14): voice notes, audit actions in words

# A voice note, video note or audio file where the bot expects text or a button.
voice-not-understood = 🎙 Өкінішке қарай, дауыстық хабарламаны тыңдай алмаймын. Жауабыңызды мәтінмен жазыңыз немесе батырманы басыңыз.
# The same outside any form: what to do instead.
voice-outside-form = 🎙 Хабарламаңызға рахмет! Өкінішке қарай, дауыстық хабарламаны тыңдай алмаймын. Көмек сұрау үшін төмендегі «🆘 Көмек сұрау» батырмасын басыңыз: бірнеше қарапайым сұрақ қоямын, көбіне батырмамен жауап беруге болады. Жазу қолайсыз болса, штабтан сізге қоңырау шалуды сұраңыз (төмендегі мәзірдегі батырма) немесе штабқа өзіңіз қоңырау шалыңыз: өтінімді телефон арқылы қабылдайды.

# The audit log in words; the codes stay in the database and in /audit filters.
audit-action-appoint = Үйлестіруші тағайындау
audit-action-dismiss = Үйлестірушіні босату
audit-action-approve-volunteer = Ерікті сауалнамасы мақұлданды
audit-action-reject-volunteer = Ерікті сауалнамасы қабылданбады
audit-action-block-volunteer = Ерікті бұғатталды
audit-action-unblock-volunteer = Ерікті бұғаттан шығарылды
audit-action-view-application = Ерікті сауалнамасын қарау
audit-action-view-volunteer = Ерікті карточкасын қарау
audit-action-view-request = Өтінімді қарау
audit-action-hotline-request = Қоңырау бойынша өтінім
audit-action-request-assigned = Өтінім еріктіге тағайындалды
audit-action-request-reoffered = Өтінім қайта ұсынылды
audit-action-request-failed = Өтінім жабылды: көмектесу мүмкін болмады
audit-action-request-erased = Өтінімнің дербес деректері өшірілді
audit-action-task-declined = Ерікті тапсырманы қайтарды
audit-action-callback-request = Кері қоңырау бойынша өтінім
audit-action-callback-closed = Кері қоңырау жабылды
audit-action-view-callbacks = Кері қоңыраулар тізімін қарау
audit-action-denied-command = Құқығы жоқ үйлестіруші командасы
audit-action-denied-callback = Құқығы жоқ үйлестіруші батырмасы
audit-action-denied-scope = Өз аумағынан тыс әрекет
audit-action-campaign-create = Науқан құрылды
audit-action-campaign-pause = Науқан уақытша тоқтатылды
audit-action-campaign-resume = Науқан жалғасты
audit-action-campaign-close = Науқан жабылды
audit-action-campaign-import = Науқанға адамдарды жүктеу
audit-action-campaign-import-refused = Науқанға жіберілген файл қабылданбады
audit-action-campaign-export = Науқан адамдарын медициналық ұйым үшін экспорттау
audit-action-campaign-links = Науқанның өзіндік сауалнама сілтемелері файлы
audit-action-campaign-link-linked = Адам сауалнама сілтемесі бойынша жеке басын растады
audit-action-campaign-link-locked = Үш қате жауаптан кейін сауалнама сілтемесі бұғатталды
audit-action-campaign-to-visits = Хабарласа алмағандар үйме-үй аралауға берілді
