## /admin experiments: A/B-тесты готовых ответов и промптов (handlers/admin/experiments.py)
experiments-usage = Формат: /admin experiments [7d|30d] (по умолчанию: последние 30 дней).
experiments-title = <b>Эксперименты</b> за последние { $days } { $days ->
        [one] день
        [few] дня
       *[many] дней
    } (люди считаются с первого ответа эксперимента, который они увидели)
experiments-rule = <i>Эти цифры меняются при каждом просмотре, и ранний взгляд выдаёт случайные различия за настоящие: вывод считается, только когда и у варианта, и у контрольного не меньше { $people } человек (для оценки — { $raters } оценивших; средняя оценка каждого человека считается один раз) и ожидается не меньше { $expected } конверсий; до этого написано «пока незначимо», какими бы ни были цифры. «Значимо» — это p-значение меньше { $alpha } с поправкой на число сравнений в эксперименте (метод Холма — Бонферрони).</i>
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
experiments-adjusted = { "  " }p-значения с поправкой на { $comparisons } { $comparisons ->
        [one] сравнение
        [few] сравнения
       *[many] сравнений
    } (каждый вариант против контрольного по каждому показателю)
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
experiments-rating = { "  " }оценка: { $average }, оценили { $count } { $count ->
        [one] человек
        [few] человека
       *[many] человек
    }
experiments-rating-tested = { "  " }оценка: { $average }, оценили { $count } { $count ->
        [one] человек
        [few] человека
       *[many] человек
    }, { $verdict }
experiments-rating-none = { "  " }оценка: пока нет
experiments-verdict-too-few = пока незначимо: данных мало (нужно не меньше { $minimum } человек и { $expected } ожидаемых конверсий с каждой стороны)
experiments-verdict-too-few-ratings = пока незначимо: мало оценивших (нужно не меньше { $minimum } с каждой стороны)
experiments-verdict-not-significant = пока незначимо (p с поправкой { $p })
experiments-verdict-higher = ⬆️ значимо выше контрольного (p с поправкой { $p })
experiments-verdict-lower = ⬇️ значимо ниже контрольного (p с поправкой { $p })
