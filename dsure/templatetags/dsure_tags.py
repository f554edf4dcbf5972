from django import template

register = template.Library()


@register.filter
def history_label(entry) -> str:
    """対象 in the history table: 新規 for the first entry, 変更N for the Nth change."""
    return "新規" if entry.number == 1 else f"変更{entry.change_no}"
