"""Japanese formats as template filters: {% load jp %} {{ d|wareki }} {{ n|yen }} {{ k|kanji_number }}."""

from django import template

from common import formats

register = template.Library()


@register.filter
def wareki(value):
    """{{ "2026-04-01"|wareki }} → 令和08年04月01日 (dates or ISO strings; "" stays "")."""
    return formats.wareki(value)


@register.filter
def yen(value):
    """{{ 20000000|yen }} → 20,000,000 円"""
    return formats.yen(value)


@register.filter
def kanji_number(value):
    """{{ 1|kanji_number }} → 一 (for 「変更一」)"""
    return formats.kanji_number(value)


@register.filter
def percent(numerator, denominator):
    """{{ guarantee|percent:contract }} → 40.0%"""
    return formats.percent(numerator, denominator)
