## Cleaning of typed text: answers when what was typed cannot be stored

input-bad-window = Уақытты өтінім ұсынылған барлық еріктілер көреді, сондықтан мұнда телефон нөмірін жазуға болмайды. Сағатты жазыңыз, мысалы «10:00–12:00» немесе «9-дан 12-ге дейін».
