## /admin experiments: the A/B tests of canned answers and prompts (handlers/admin/experiments.py)
experiments-usage = Usage: /admin experiments [7d|30d] (the default is the last 30 days).
experiments-title = <b>Experiments</b> over the last { $days } { $days ->
        [one] day
       *[other] days
    } (people counted from the first answer of the experiment they saw)
experiments-rule = <i>These figures change every time you look, and an early look makes chance differences seem real: a verdict counts only once the variant and the control each have at least { $people } people (for the rating, { $raters } people who rated, each person's average counted once) and { $expected } conversions expected; until then it says "not significant yet", whatever the figures. "Significantly" means a p-value below { $alpha } after adjusting for the number of comparisons in the experiment (Holm–Bonferroni).</i>
experiments-none = No experiment is defined, and no variant was shown in this period.
experiments-name = <b>{ $name }</b>: { $people } { $people ->
        [one] person
       *[other] people
    }
experiments-name-ended = <b>{ $name }</b> (ended): { $people } { $people ->
        [one] person
       *[other] people
    }
experiments-adjusted = { "  " }p-values adjusted for { $comparisons } { $comparisons ->
        [one] comparison
       *[other] comparisons
    } (every variant against the control on every figure)
experiments-variant-control = • <b>{ $variant }</b> (control, { $weight }% of people): { $people } { $people ->
        [one] person
       *[other] people
    }
experiments-variant = • <b>{ $variant }</b> ({ $weight }% of people): { $people } { $people ->
        [one] person
       *[other] people
    }
experiments-variant-ended = • <b>{ $variant }</b>: { $people } { $people ->
        [one] person
       *[other] people
    }
experiments-metric-intake = started an intake
experiments-metric-lead = became a lead
experiments-metric-handoff = handed to a person
experiments-conversion = { "  " }{ $metric }: { $count } ({ $rate }%)
experiments-conversion-tested = { "  " }{ $metric }: { $count } ({ $rate }%), { $verdict }
experiments-rating = { "  " }rating: { $average } from { $count } { $count ->
        [one] person
       *[other] people
    } who rated
experiments-rating-tested = { "  " }rating: { $average } from { $count } { $count ->
        [one] person
       *[other] people
    } who rated, { $verdict }
experiments-rating-none = { "  " }rating: none yet
experiments-verdict-too-few = not significant yet: too few to tell (it takes at least { $minimum } people and { $expected } expected conversions on each side)
experiments-verdict-too-few-ratings = not significant yet: too few people who rated (at least { $minimum } on each side)
experiments-verdict-not-significant = not significant yet (adjusted p { $p })
experiments-verdict-higher = ⬆️ significantly higher than the control (adjusted p { $p })
experiments-verdict-lower = ⬇️ significantly lower than the control (adjusted p { $p })
