"""Japanese formats as the leaflets print them: 令和08年04月01日, 20,000,000 円, 変更一, 40.0%."""

import datetime

import pytest
from django.template import Context, Template

from common.formats import kanji_number, percent, to_date, wareki, yen


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-04-01", "令和08年04月01日"),
        (datetime.date(2026, 4, 1), "令和08年04月01日"),
        (datetime.datetime(2027, 3, 19, 23, 59), "令和09年03月19日"),
        ("2019-05-01", "令和01年05月01日"),  # the first day of 令和
        ("2019-04-30", "平成31年04月30日"),  # the last day of 平成
        ("1989-01-08", "平成01年01月08日"),
        ("1989-01-07", "昭和64年01月07日"),
        ("2022-09-07", "令和04年09月07日"),  # as on seed 003
        ("2026-04-24T10:00:00+09:00", "令和08年04月24日"),
    ],
)
def test_wareki_is_the_zero_padded_era_date_of_the_leaflets(value, expected):
    assert wareki(value) == expected


def test_wareki_of_nothing_is_empty_and_of_nonsense_an_error():
    assert wareki("") == ""
    assert wareki(None) == ""
    with pytest.raises(ValueError):
        wareki("1900-01-01")
    with pytest.raises(ValueError):
        wareki("2026-13-01")
    with pytest.raises(TypeError):
        to_date(20260401)


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (20_000_000, "20,000,000 円"),
        (5_000_000, "5,000,000 円"),
        (0, "0 円"),
        (999, "999 円"),
        (1000, "1,000 円"),
    ],
)
def test_yen_has_separators_and_a_space_before_the_unit(amount, expected):
    assert yen(amount) == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (1, "一"),
        (2, "二"),
        (3, "三"),
        (9, "九"),
        (10, "十"),
        (11, "十一"),
        (12, "十二"),
        (20, "二十"),
        (21, "二十一"),
        (99, "九十九"),
        (100, "百"),
        (110, "百十"),
        (305, "三百五"),
        (1000, "千"),
        (2026, "二千二十六"),
        (0, "〇"),
    ],
)
def test_kanji_number_writes_the_change_number_as_on_the_certificate(n, expected):
    assert kanji_number(n) == expected


def test_kanji_number_refuses_what_it_cannot_write():
    with pytest.raises(ValueError):
        kanji_number(-1)
    with pytest.raises(ValueError):
        kanji_number(10000)


@pytest.mark.parametrize(
    ("numerator", "denominator", "expected"),
    [
        (20_000_000, 50_000_000, "40.0%"),
        (5_000_000, 50_000_000, "10.0%"),
        (1, 3, "33.3%"),
        (2, 3, "66.7%"),
        (1, 16, "6.3%"),  # 6.25 rounds half up (a float would print 6.2)
        (1, 8, "12.5%"),
        (0, 50_000_000, "0.0%"),
        (20_000_000, 0, "0.0%"),  # no contract amount yet: the form shows 0.0%
        (20_000_000, None, "0.0%"),
    ],
)
def test_percent_is_the_ratio_shown_beside_the_amounts(numerator, denominator, expected):
    assert percent(numerator, denominator) == expected


def test_percent_with_more_places_for_rates():
    assert percent("0.00250", 1, places=3) == "0.250%"


def test_template_filters():
    template = Template(
        "{% load jp %}{{ d|wareki }}|{{ a|yen }}|変更{{ n|kanji_number }}|{{ a|percent:b }}|{{ empty|wareki }}"
    )
    rendered = template.render(
        Context({"d": "2026-04-01", "a": 20_000_000, "b": 50_000_000, "n": 11, "empty": ""})
    )
    assert rendered == "令和08年04月01日|20,000,000 円|変更十一|40.0%|"
