"""The timeline expressions, as regex text; timeline.py compiles them, timeline_dates.py reads
their named groups.

A space in them stands for any whitespace (timeline.py widens it). Each expression's named groups
carry a prefix of their own (d_, mn_, q_...): they are read by its handler only.
"""

from __future__ import annotations

from bot.intake.entities.text import one_of
from bot.intake.entities.words import DURATION_NUMBERS, EN_MONTHS

_EN_MONTH = one_of(EN_MONTHS)
_EN_MONTH_FULL = one_of(m for m in EN_MONTHS if len(m) > 3 or m == "may")
_RU_MONTH = (
    r"(?:январ[ьяюе]|феврал[ьяюе]|март[ауе]?|апрел[ьяюе]|ма[йяюе]|июн[ьяюе]|июл[ьяюе]"
    r"|август[ауе]?|сентябр[ьяюе]|октябр[ьяюе]|ноябр[ьяюе]|декабр[ьяюе])"
)
_DURATION_NUMBER = r"(?:\d+(?:[.,]5)?|" + one_of(DURATION_NUMBERS) + ")"
_DURATION_UNIT = (
    r"(?:business |working |calendar |рабочих |календарных )?"
    r"(?:days?|дн(?:я|ей|и)|день|сут(?:ок|ки)|weeks?|wks?|недел[юиья]|нед\.?|months?"
    r"|месяц(?:а|ев)?|мес\.?|years?|yrs?|год(?:а)?|лет|quarters?|квартал(?:а|ов)?)"
)
HALF_YEAR = r"(?:пол[ -]?года|полугода|half a year|a half year|half-year)"
_DURATION_BODY = (
    rf"(?:(?P<d_num>{_DURATION_NUMBER})(?:\s*(?:-|to|or|до|или)\s*(?P<d_num2>{_DURATION_NUMBER}))?"
    rf"(?P<d_plus>\s*\+)?\s*)?(?P<d_unit>{_DURATION_UNIT}|{HALF_YEAR})"
)
_APPROXIMATELY = (
    r"(?:(?:about|around|approximately|approx\.?|roughly|~|max|maximum|at most|under|less than"
    r"|примерно|около|где-то|максимум|не больше|не более|менее|меньше) )?"
)
_MORE_THAN = r"(?P<{}more>(?:more than|over|at least|больше|более|минимум|не меньше) )?"
_EN_DURATION_PREFIX = (
    r"(?:in|within|over|after|during|in the next|within the next|over the next|in the coming"
    r"|during the next|the next|next|no later than in|not later than in|in about|in around)"
)
_RU_DURATION_PREFIX = (
    r"(?:через|за|в течени[еи]|в пределах|на протяжении|в ближайшие|не позже чем через"
    r"|не позднее чем через|максимум через|примерно через|где-то через|месяц-два через)"
)
_KEYWORD_DURATION_PREFIX = (
    r"(?:timeline|timeframe|time frame|deadline|eta|сроки?|дедлайн|срок реализации|срок сдачи)"
    r"(?: is| of| about| around| -|:| —)*"
)
_DURATION_SUFFIX = (
    r"(?:from now|max|maximum|at most|tops|at the latest|or less|or so|максимум|не больше"
    r"|не более|от силы|с сегодняшнего дня)"
)

_INTENSIFIERS_EN = (
    r"(?:(?:that|so|very|super|really|too|particularly|extremely|terribly|overly|all that"
    r"|in a|in any|at all) )*"
)
_INTENSIFIERS_RU = (
    r"(?:(?:очень|так|особо|слишком|прям|прямо|сильно|супер|уж|совсем|то чтобы|чтобы|настолько"
    r"|сказать что|критически) )*"
)
NOT_URGENT = (  # before the urgent words it contains
    r"(?:(?:it'?s|is|its|it is|that'?s|this is|we'?re|we are|i'?m|i am) )?"
    rf"(?:not|isn'?t|aren'?t|nothing|never) {_INTENSIFIERS_EN}"
    r"(?:urgent\w*|rush\w*|hurry|time[- ]?sensitive|time[- ]?critical|pressing|asap)"
    r"|no (?:(?:big|real|particular|immediate|specific|hard|strict|fixed|firm|set|tight) )?"
    r"(?:rush|hurry|urgency|pressure|deadlines?|time pressure|timeline pressure)"
    r"|without (?:a |any )?(?:deadline|rush|hurry)|(?:it|this|that) can wait"
    rf"|(?:не|нет|ни) {_INTENSIFIERS_RU}(?:срочн\w*|горит|горят|спешим|спешу|спешно"
    r"|торопимся|тороплюсь|к спеху|жмут|поджимают|горящ\w*)"
    r"|несрочн\w*|без (?:спешки|дедлайна|дедлайнов|жестких сроков|сроков|горящих сроков)"
    r"|(?:дедлайна|жесткого дедлайна|жестких сроков|спешки) нет"
    r"|нет (?:жесткого |конкретного )?(?:дедлайна|сроков|спешки)|(?:может|можем) подождать"
    r"|подожд[её]т"
)
EXPLORING_WORDS = (
    r"just (?:exploring|browsing|curious|asking|wondering|researching|looking around"
    r"|looking(?! for)|checking(?: (?:options|prices|things out))?"
    r"|gathering (?:info\w*|quotes)|an? idea|thinking)"
    r"|(?:still |currently |we'?re |i'?m )?exploring(?: (?:options|possibilities|the idea"
    r"|ideas|the market))?|researching|doing (?:some )?research"
    r"|(?:in the |at the )?research (?:phase|stage)|idea stage|window[- ]shopping"
    r"|not sure yet(?=\s*(?:[.!?,;)-]|$)|\s+but|\s+and)"
    r"|not (?:yet )?sure (?:yet )?(?:about )?(?:the )?(?:when|timing|timeline|timeframe|dates?)"
    r"|(?:have|has)n'?t decided(?: yet)?|(?:don'?t|do not) know yet"
    r"|no (?:concrete|specific|definite) plans?(?: yet)?|someday|some day|one day"
    r"|at some point|sometime in the future|(?:for|in) the (?:distant )?future"
    r"|for (?:a )?future project|for future reference"
    r"|(?:пока )?присматрива\w*|просто (?:интерес\w*|спрашива\w*|узна\w*|смотр\w*|изуча\w*"
    r"|прицени\w*|присматрива\w*)|пока (?:интерес\w*|изучаем|думаем|размышляем|только думаем"
    r"|не решили|не знаем|не уверены|на стадии идеи|прицениваемся)|прицениваем\w*"
    r"|на будущее|в будущем|на перспективу|в перспективе|когда-нибудь|когда нибудь"
    r"|когда-то потом|изучаем (?:вопрос|варианты|рынок|возможност\w*)|(?:ещ[её] )?не решили"
    r"|не уверены (?:пока|ещ[её])|собираем информацию|на стадии идеи|мониторим рынок"
)
FLEXIBLE_WORDS = (
    r"whenever(?: (?:you can|possible|convenient|you'?re ready))?|any ?time"
    r"|at your (?:own )?(?:pace|convenience)|when(?:ever)? you (?:have|get) (?:the )?time"
    r"|(?:timeline|deadline|schedule|dates?|timing|timeframe)s? (?:is|are) "
    r"(?:pretty |quite |very |fairly )?(?:flexible|open)|flexible (?:on )?(?:the )?"
    r"(?:timeline|deadline|dates|schedule|timing)|(?:we'?re|we are|i'?m|i am) flexible"
    r"|long[- ]?term|no time limit|take your time"
    r"|когда (?:угодно|удобно|будет (?:время|возможность))|в любое время"
    r"|(?:сроки|дедлайн) (?:гибкие|гибкий|не жмут|не горят|размытые|свободные|любые)"
    r"|гибкие сроки|не к спеху|не спеша|спешить некуда"
)
NEXT_YEAR = (
    r"(?:(?:early|late|mid|(?:the )?end of|sometime|in|by) )?next year|in the new year"
    r"|в (?:начале |конце |середине |течение )?следующего года|в следующем году"
    r"|на следующий год|в новом году|в будущем году|к следующему году"
)
URGENT_WORDS = (
    r"a\.?s\.?a\.?p\.?|as (?:soon|quickly|fast) as (?:possible|we can|you can|humanly possible)"
    r"|(?:as )?fast as possible|urgent\w*|right (?:now|away)|immediate(?:ly)?|straight away"
    r"|(?:it'?s |is )?on fire|in a (?:big |real )?(?:rush|hurry)|hurry"
    r"|rush(?:ed)? (?:job|project|order)|emergency|time[- ]?sensitive|time[- ]?critical"
    r"|tight (?:deadline|timeline|schedule|timeframe)s?"
    r"|(?:deadline|timeline|schedule)s? (?:is|are) (?:very |really |super |quite |extremely )?"
    r"tight|top priority|high priority"
    r"|(?:prod|production|site|website|server|service|app|everything) (?:is )?(?:down|broken)"
    r"|(?:need(?:ed)?|want(?:ed)?|should have been done|due) (?:it |this |that )?"
    r"(?:done |ready |finished |delivered )?yesterday|by yesterday"
    r"|срочн\w*|как можно (?:скорее|быстрее|раньше|оперативнее)|в кратчайшие сроки"
    r"|поскорее|побыстрее|немедленно|прямо сейчас|горит|горят|горим|пожар\w*|аврал\w*"
    r"|сроки (?:поджимают|жмут|горят)|сжатые сроки|асап|оперативно"
    r"|(?:всё|все|прод|сайт|сервер|сервис) (?:упал\w*|лежит|не работает)|(?:упал|лежит) прод"
    r"|(?:(?:ещ[её]|уже) )?вчера (?:нужно|надо)|(?:нужно|надо|нужен|нужна|нужны)"
    r"(?: (?:это|было|ещ[её]|уже))* вчера|ещ[её] вчера|до вчера|на вчера"
)
BY_TOMORROW = (
    r"(?:by|until|till|before|for) tom+or+ow(?: (?:morning|evening|eod|noon))?"
    r"|(?:к|до|на) завтра(?:шнему дню|шний день)?"
    r"|завтра (?:к|до) (?:утра|обеда|вечера|утру|обеду|вечеру)"
    r"|need(?:ed)? (?:it |this )?(?:done |ready )?tom+or+ow|(?:нужно|надо) (?:уже )?завтра"
)
BY_TODAY = (
    r"(?:by|until|till|before|for) (?:the end of )?(?:today|tonight)"
    r"|(?:by )?(?:the )?end of (?:the )?day|(?:by )?eod"
    r"|(?:до|к) (?:концу|конца) (?:дня|сегодняшнего дня)"
    r"|сегодня (?:до|к) (?:вечера|вечеру|обеда|обеду|\d{1,2})"
    r"|need(?:ed)? (?:it |this )?(?:done |ready )?(?:today|tonight)"
    r"|(?:нужно|надо) (?:уже )?сегодня"
)
RELATIVE_WEEK = (
    r"(?:(?:by )?(?:the )?end of )?(?P<rw_next>next) week"
    r"|(?:on|by|until|till|before|during) (?:the )?following week"
    r"|(?:на|к|до) (?P<rw_next2>следующ(?:ей|ую)) недел[еиюя]|со следующей недели"
    r"|(?:до|к) (?:концу|конца) следующей недели"
    r"|this week|(?:by )?(?:the )?end of (?:the |this )?week|на этой неделе|на текущей неделе"
    r"|(?:до|к) (?:концу|конца) (?:этой |текущей )?недели"
)
RELATIVE_MONTH = (
    r"(?:(?:by )?(?:the )?end of |early |by early )?(?P<rm_next>next) month"
    r"|(?:в|к|до|со) (?:концу |конца |началу |начале )?(?P<rm_next2>следующ\w+) месяц\w*"
    r"|this month|(?:by )?(?:the )?end of (?:the |this )?month|в этом месяце|в текущем месяце"
    r"|(?:до|к) (?:концу|конца) (?:этого |текущего )?месяца"
)
RELATIVE_QUARTER = (
    r"(?:(?:by )?(?:the )?end of )?(?P<rq_next>next) quarter"
    r"|(?:в|к|до) (?:концу |конца )?(?P<rq_next2>следующ\w+) квартал\w*"
    r"|this quarter|(?:by )?(?:the )?end of (?:the |this )?quarter|в этом квартале"
    r"|в текущем квартале|(?:до|к) (?:концу|конца) (?:этого |текущего )?квартала"
)
QUARTER = (
    r"(?:(?:by|in|until|till|before|for|during|(?:by )?(?:the )?end of|до|к|ко|в|во|на"
    r"|(?:до|к) (?:концу|конца)|в конце) (?:the )?)?"
    r"(?:q(?P<q_n1>[1-4])|(?P<q_n2>[1-4])\s*(?:q|кв\.?|квартал\w*)"
    r"|(?P<q_ord>first|1st|second|2nd|third|3rd|fourth|4th|перв\w*|втор\w*|трет\w*"
    r"|четверт\w*) (?:quarter|квартал\w*)|квартал\w* (?P<q_n3>[1-4]))"
    r"(?:\s*(?:of )?(?P<q_y>20\d{2})(?: (?:года?|г\.?))?|\s*'(?P<q_y2>\d{2}))?"
)
END_OF_YEAR = (
    r"(?:by )?(?:the )?end of (?:the |this )?year|(?:by )?year[- ]?end|later this year"
    r"|(?:до|к) (?:концу|конца) (?:этого |текущего )?года|в конце (?:этого )?года"
    r"|(?:до|к) нового года|к новому году|(?:by|before) (?:the )?new year"
    r"|в течение (?:этого|текущего) года"
    r"|(?P<ey_vague>this year|в этом году|в текущем году)"
)
YEAR = (
    r"(?:by|in|until|till|before|during|(?:by )?(?:the )?end of|до|к|в|во"
    r"|(?:до|к) (?:концу|конца)|в конце) (?P<y_y>20\d{2})(?: (?:году|года|год|г\.?))?"
)
_MONTH_MODIFIER_EN = (
    r"(?P<mn_mod>by|until|till|before|in|for|during|around|through|(?:by )?(?:the )?end of"
    r"|(?:by )?(?:the )?(?:beginning|start|middle) of|early|mid|late|by early|by mid|by late)"
)
_MONTH_MODIFIER_RU = (
    r"(?P<mr_mod>к|ко|до|в|во|на|(?:к|до) (?:концу|конца|началу|начала|середине|середины)"
    r"|в (?:конце|начале|середине)|конец|начало|середина)"
)
MONTH = (  # "by March", "к 15 марта"
    rf"{_MONTH_MODIFIER_EN}[ -](?:the )?(?:(?P<mn_d1>\d{{1,2}})(?:st|nd|rd|th)? (?:of )?)?"
    rf"(?P<mn_m>{_EN_MONTH})(?: (?P<mn_d2>\d{{1,2}})(?:st|nd|rd|th)?)?"
    rf"(?:,? (?P<mn_y>20\d{{2}}))?"
    rf"|{_MONTH_MODIFIER_RU} (?:(?P<mr_d>\d{{1,2}})(?:-?(?:го|е|ое))? )?(?P<mr_m>{_RU_MONTH})"
    rf"(?: (?P<mr_y>20\d{{2}})(?:\s*(?:года?|г\.?))?)?"
)
DAY_MONTH = (  # "15 марта", "March 15th", "March 2026"
    rf"(?P<dm_d>\d{{1,2}})(?:st|nd|rd|th|-?го|-?е)? (?:of )?"
    rf"(?P<dm_m>{_EN_MONTH_FULL}|{_RU_MONTH})(?:,? (?P<dm_y>20\d{{2}})(?:\s*(?:года?|г\.?))?)?"
    rf"|(?P<md_m>{_EN_MONTH_FULL}) (?P<md_d>\d{{1,2}})(?:st|nd|rd|th)?"
    rf"(?:,? (?P<md_y>20\d{{2}}))?"
    rf"|(?P<my_m>{_EN_MONTH_FULL}|{_RU_MONTH}) (?P<my_y>20\d{{2}})"
)
NUMERIC_DATE = (
    r"(?P<iso_y>20\d{2})-(?P<iso_m>\d{1,2})-(?P<iso_d>\d{1,2})"
    r"|(?:by|until|till|before|on|due|deadline|до|к|по|срок|дедлайн|не позднее|не позже)"
    r"(?::|\s)\s*(?:the )?(?P<nd_d>\d{2})[./](?P<nd_m>\d{2})(?:[./](?P<nd_y>\d{4}|\d{2}))?"
    r"|(?P<nf_d>\d{1,2})[./](?P<nf_m>\d{1,2})[./](?P<nf_y>20\d{2})"
)
SEASON = (
    r"(?:by|until|till|before|in|for|this|next|during|(?:by )?(?:the )?end of|early|late|mid)"
    r"(?: the)? (?P<s_en>summer|autumn|fall|winter|spring)(?: (?P<s_y>20\d{2}))?"
    r"|(?:к|до|на|(?:к|до) (?:концу|конца)|в конце|в течение) "
    r"(?P<s_ru>лет[ау]|осен[иь]|зим[еуы]|весн[еуы])"
)
SEASON_ADVERB = r"(?<!прошлым\s)(?<!прошлой\s)(?P<s_ru2>летом|осенью|зимой|весной)"
WEEKDAY = (  # a deadline only: "on Monday", "в понедельник" are more often a call
    r"(?P<wd_mod>by|until|till|before|(?:by )?(?:the )?end of)(?: the)? (?:next |this )?"
    r"(?P<wd_en>monday|tuesday|tues|tue|wednesday|thursday|thurs|thur|thu|friday|fri"
    r"|saturday|sunday)"
    r"|(?P<wd_rmod>к|ко|до) (?P<wd_ru>понедельник\w*|вторник\w*|сред[уеы]|четверг\w*"
    r"|пятниц[уеы]|суббот[уеы]|воскресень[яюе])"
)
DURATION = (  # "in 2 weeks", "через 2-3 месяца", "6+ months from now"
    rf"(?:{_EN_DURATION_PREFIX}|{_RU_DURATION_PREFIX}|{_KEYWORD_DURATION_PREFIX}) "
    rf"{_APPROXIMATELY}{_MORE_THAN.format('d_')}{_DURATION_BODY}"
    rf"|{_MORE_THAN.format('d2_')}(?P<d2_num>{_DURATION_NUMBER})"
    rf"(?:\s*(?:-|to|or|до|или)\s*(?P<d2_num2>{_DURATION_NUMBER}))?"
    rf"(?P<d2_plus>\s*\+)?\s*(?P<d2_unit>{_DURATION_UNIT}) {_DURATION_SUFFIX}"
)
SOON = (
    r"soon|shortly|(?:in )?the (?:near|coming) (?:future|weeks|months)|скоро"
    r"|в ближайшее время|в ближайшем будущем|в скором времени|в обозримом будущем"
)
