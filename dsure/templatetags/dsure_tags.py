from django import template

from common.formats import kanji_number

register = template.Library()


@register.filter
def history_label(entry) -> str:
    """対象 in the history table: 新規 for the first entry, 変更一, 変更二 … for the changes — the numerals
    of the certificate's own title line (note (注)1 of the leaflets)."""
    return "新規" if entry.number == 1 else f"変更{kanji_number(entry.change_no)}"


@register.filter
def notice_label(event) -> str:
    """What a notice says happened: 変更一 … for a change (as in the history), else the kind's name."""
    if event.kind == "changed":
        return f"変更{kanji_number(event.payload['data']['version']['change_no'])}"
    return event.get_kind_display()
