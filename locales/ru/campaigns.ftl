## Vaccination follow-up campaigns (issue 16): the coordinator's side, volunteers opting in

campaign-invite =
    📞 Штаб начинает кампанию повторных обзвонов «{ $name }»: звонки людям, которые согласились на вакцинацию.
    Хотите участвовать? Нажмите кнопку.
btn-campaign-join = ✅ Участвую
