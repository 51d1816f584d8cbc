## Cleaning of typed text: answers when what was typed cannot be stored

input-bad-window = Время видят все волонтёры, которым предложена заявка, поэтому номера телефонов здесь писать нельзя. Напишите часы, например «10:00–12:00» или «с 9 до 12».
