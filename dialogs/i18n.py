"""`T`: a dialog text from locales/, in the language of the update (`middleware_data["i18n"]`).

    T("intake-summary", name="name", type=Format("{type_label}"))

Each parameter is where its Fluent variable comes from: a key of the window's data (getter
results, plus `dialog_data`, `start_data`...), a magic filter over that data
(`F["dialog_data"]["name"]`), or another text widget. Strings taken from the data are
HTML-escaped, because they are usually the client's own words and the texts are Telegram HTML;
a text widget's output is used as it is, for markup that is meant to be markup. Numbers are
passed as numbers so that Fluent can choose plural forms.

As a button label, use T without string data (labels are not HTML, so "&" would show as
"&amp;").
"""

from __future__ import annotations

import html
from typing import Any

from aiogram_dialog.api.internal import TextWidget
from aiogram_dialog.api.protocols import DialogManager
from aiogram_dialog.widgets.common import WhenCondition
from aiogram_dialog.widgets.text import Text
from magic_filter import MagicFilter

from bot.kernel.i18n import Translator

Param = str | MagicFilter | TextWidget


class T(Text):
    def __init__(self, key: str, /, *, when: WhenCondition = None, **params: Param) -> None:
        super().__init__(when=when)
        self.key = key
        self.params = params

    async def _render_text(self, data: dict[str, Any], manager: DialogManager) -> str:
        translator: Translator = manager.middleware_data["i18n"]
        values: dict[str, Any] = {}
        for name, source in self.params.items():
            if isinstance(source, str):
                values[name] = _fluent_value(data.get(source))
            elif isinstance(source, MagicFilter):
                values[name] = _fluent_value(source.resolve(data))
            else:
                values[name] = await source.render_text(data, manager)
        return translator(self.key, **values)


def _fluent_value(value: Any) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    return html.escape(str(value))
