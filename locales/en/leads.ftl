## Lead choices: the intake wizard's buttons and the agents' lead card
lead-type-devops = DevOps
lead-type-custom_app = Custom app
lead-type-cloud = Cloud
lead-type-integration = Integration
lead-type-other = Other
lead-timeline-urgent = Urgent
lead-timeline-normal = Normal
lead-timeline-flexible = Flexible
lead-timeline-exploring = Just exploring
lead-budget-lt10k = Under $10K
lead-budget-10k_50k = $10K–$50K
lead-budget-50k_150k = $50K–$150K
lead-budget-gt150k = $150K+
lead-budget-not_sure = Not sure

## The lead card in the agents' group (HTML; values are escaped by the code)
lead-card-hot = { $emoji } <b>HOT LEAD</b> · { $points } { $points ->
        [one] point
       *[other] points
    }
lead-card-warm = { $emoji } <b>Warm lead</b> · { $points } { $points ->
        [one] point
       *[other] points
    }
lead-card-cold = { $emoji } <b>Cold lead</b> · { $points } { $points ->
        [one] point
       *[other] points
    }
lead-card-title = 📋 <b>Lead #{ $id }</b>
lead-card-type = <b>Project type:</b> { $value }
lead-card-timeline = <b>Timeline:</b> { $value }
lead-card-budget = <b>Budget:</b> { $value }
lead-card-name = <b>Name:</b> { $value }
lead-card-company = <b>Company:</b> { $value }
lead-card-email = <b>Email:</b> { $value }
lead-card-phone = <b>Phone:</b> { $value }
lead-card-source = <b>Source:</b> { $value }
lead-card-language = <b>Language:</b> { $value }
lead-card-description = <b>Description:</b>
lead-card-found = <b>Found in the description</b>
lead-card-found-technologies = Technologies: { $value }
lead-card-found-budget = Budget: { $value }
lead-card-found-timeline = Timeline: { $value }
lead-card-deadline = by { $date }
lead-card-quoted = “{ $text }”
lead-card-user = <b>Telegram:</b> { $handle } · { $link }
lead-card-no-username = no username
lead-card-not-given = —

## What happens next: the client's confirmation after the intake
hours-open = A manager will contact you within { $hours } business { $hours ->
        [one] hour
       *[other] hours
    } (by { $time }).
hours-open-later = A manager will contact you within { $hours } business { $hours ->
        [one] hour
       *[other] hours
    } (by { $time } { $day }).
hours-closed = Our team is off now; a manager will contact you { $day } (from { $time } { $zone }).
hours-on-today = today
hours-on-tomorrow = tomorrow
hours-on-mon = on Monday
hours-on-tue = on Tuesday
hours-on-wed = on Wednesday
hours-on-thu = on Thursday
hours-on-fri = on Friday
hours-on-sat = on Saturday
hours-on-sun = on Sunday
hours-morning-today = this morning
hours-morning-tomorrow = tomorrow morning
hours-morning-mon = on Monday morning
hours-morning-tue = on Tuesday morning
hours-morning-wed = on Wednesday morning
hours-morning-thu = on Thursday morning
hours-morning-fri = on Friday morning
hours-morning-sat = on Saturday morning
hours-morning-sun = on Sunday morning
