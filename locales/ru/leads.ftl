## Lead choices: the intake wizard's buttons and the agents' lead card
lead-type-devops = DevOps
lead-type-custom_app = Разработка приложения
lead-type-cloud = Облако
lead-type-integration = Интеграция
lead-type-other = Другое
lead-timeline-urgent = Срочно
lead-timeline-normal = В обычные сроки
lead-timeline-flexible = Сроки гибкие
lead-timeline-exploring = Пока присматриваюсь
lead-budget-lt10k = До $10K
lead-budget-10k_50k = $10K–$50K
lead-budget-50k_150k = $50K–$150K
lead-budget-gt150k = $150K+
lead-budget-not_sure = Пока не знаю

## The lead card in the agents' group (HTML; values are escaped by the code)
lead-card-hot = { $emoji } <b>ГОРЯЧИЙ ЛИД</b> · { $points } { $points ->
        [one] балл
        [few] балла
       *[many] баллов
    }
lead-card-warm = { $emoji } <b>Тёплый лид</b> · { $points } { $points ->
        [one] балл
        [few] балла
       *[many] баллов
    }
lead-card-cold = { $emoji } <b>Холодный лид</b> · { $points } { $points ->
        [one] балл
        [few] балла
       *[many] баллов
    }
lead-card-title = 📋 <b>Лид #{ $id }</b>
lead-card-type = <b>Тип проекта:</b> { $value }
lead-card-timeline = <b>Сроки:</b> { $value }
lead-card-budget = <b>Бюджет:</b> { $value }
lead-card-name = <b>Имя:</b> { $value }
lead-card-company = <b>Компания:</b> { $value }
lead-card-email = <b>Эл. почта:</b> { $value }
lead-card-phone = <b>Телефон:</b> { $value }
lead-card-source = <b>Источник:</b> { $value }
lead-card-language = <b>Язык:</b> { $value }
lead-card-description = <b>Описание:</b>
lead-card-found = <b>Найдено в описании</b>
lead-card-found-technologies = Технологии: { $value }
lead-card-found-budget = Бюджет: { $value }
lead-card-found-timeline = Сроки: { $value }
lead-card-deadline = до { $date }
lead-card-quoted = «{ $text }»
lead-card-user = <b>Telegram:</b> { $handle } · { $link }
lead-card-no-username = нет юзернейма
lead-card-not-given = —

## What happens next: the client's confirmation after the intake
hours-open = Менеджер свяжется с вами в течение { $hours } { $hours ->
        [one] рабочего часа
       *[other] рабочих часов
    } (до { $time }).
hours-open-later = Менеджер свяжется с вами в течение { $hours } { $hours ->
        [one] рабочего часа
       *[other] рабочих часов
    } (до { $time } { $day }).
hours-closed = Сейчас наша команда не на связи; менеджер свяжется с вами { $day } (с { $time } { $zone }).
hours-on-today = сегодня
hours-on-tomorrow = завтра
hours-on-mon = в понедельник
hours-on-tue = во вторник
hours-on-wed = в среду
hours-on-thu = в четверг
hours-on-fri = в пятницу
hours-on-sat = в субботу
hours-on-sun = в воскресенье
hours-morning-today = сегодня утром
hours-morning-tomorrow = завтра утром
hours-morning-mon = в понедельник утром
hours-morning-tue = во вторник утром
hours-morning-wed = в среду утром
hours-morning-thu = в четверг утром
hours-morning-fri = в пятницу утром
hours-morning-sat = в субботу утром
hours-morning-sun = в воскресенье утром
