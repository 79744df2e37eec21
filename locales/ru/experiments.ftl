## /admin experiments: A/B-тесты готовых ответов и промптов (handlers/admin/experiments.py)
experiments-usage = Формат: /admin experiments [7d|30d] (по умолчанию: последние 30 дней).
experiments-title = <b>Эксперименты</b> за последние { $days } { $days ->
        [one] день
        [few] дня
       *[many] дней
    } (люди считаются с первого ответа эксперимента, который они увидели)
experiments-none = Ни один эксперимент не задан, и за этот период варианты не показывались.
experiments-name = <b>{ $name }</b>: { $people } { $people ->
        [one] человек
        [few] человека
       *[many] человек
    }
experiments-name-ended = <b>{ $name }</b> (завершён): { $people } { $people ->
        [one] человек
        [few] человека
       *[many] человек
    }
experiments-variant-control = • <b>{ $variant }</b> (контрольный, { $weight }% людей): { $people } { $people ->
        [one] человек
        [few] человека
       *[many] человек
    }
experiments-variant = • <b>{ $variant }</b> ({ $weight }% людей): { $people } { $people ->
        [one] человек
        [few] человека
       *[many] человек
    }
experiments-variant-ended = • <b>{ $variant }</b>: { $people } { $people ->
        [one] человек
        [few] человека
       *[many] человек
    }
experiments-metric-intake = начали заявку
experiments-metric-lead = стали лидами
experiments-metric-handoff = переданы человеку
experiments-conversion = { "  " }{ $metric }: { $count } ({ $rate }%)
experiments-conversion-tested = { "  " }{ $metric }: { $count } ({ $rate }%), { $verdict }
experiments-rating = { "  " }оценка: { $average } по { $count } { $count ->
        [one] оценке
       *[other] оценкам
    }
experiments-rating-tested = { "  " }оценка: { $average } по { $count } { $count ->
        [one] оценке
       *[other] оценкам
    }, { $verdict }
experiments-rating-none = { "  " }оценка: пока нет
experiments-verdict-too-few = пока незначимо: слишком мало людей (нужно не меньше { $minimum } с каждой стороны)
experiments-verdict-too-few-ratings = пока незначимо: слишком мало оценок (нужно не меньше { $minimum } с каждой стороны)
experiments-verdict-not-significant = пока незначимо (p { $p })
experiments-verdict-higher = ⬆️ значимо выше контрольного (p { $p })
experiments-verdict-lower = ⬇️ значимо ниже контрольного (p { $p })
