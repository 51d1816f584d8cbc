## Vaccination follow-up campaigns (issue 16): the coordinator's side, volunteers opting in

campaign-invite =
    📞 Штаб «{ $name }» қайта қоңырау шалу науқанын бастайды: вакцинацияға келісім берген адамдарға қоңырау шалу.
    Қатысқыңыз келе ме? Батырманы басыңыз.
btn-campaign-join = ✅ Қатысамын
