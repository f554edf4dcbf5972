"""From the third failure on a number, the page says how many tries are left before the pause. Every
kind of failure (a wrong key, an unknown number, another body's certificate) reads the same."""

import datetime
import re

from tests.dsure.conftest import BODY_Q, KEY_P, NUMBER_P, UNKNOWN_NUMBER, lookup, make_number, post

WRONG = "WrongKey2345"


def tries_left(response) -> str:
    found = re.search(r"あと(\d)回誤入力が続くと、照会を一時停止します。", response.content.decode())
    return found[1] if found else ""


def test_the_third_and_fourth_failure_say_how_many_tries_are_left(paul, cert_p, frozen):
    said = []
    for _ in range(4):
        said.append(tries_left(lookup(paul, NUMBER_P, WRONG)))
        frozen.shift(datetime.timedelta(minutes=1))
    assert said == ["", "", "2", "1"]
    fifth = lookup(paul, NUMBER_P, WRONG).content.decode()
    assert "あと" not in fifth and "一時的に照会できません" in fifth


def test_every_kind_of_failure_counts_down_the_same(paul, cert_p, frozen):
    other_body = make_number(7, prefix="09108")
    post(other_body, BODY_Q, key="Kq7RtW3mNa9F", beneficiary="栃木県知事")
    for number in (NUMBER_P, UNKNOWN_NUMBER, other_body):
        said = []
        for _ in range(3):
            said.append(tries_left(lookup(paul, number, WRONG)))
            frozen.shift(datetime.timedelta(minutes=1))
        assert said == ["", "", "2"], number


def test_the_nearer_pause_is_the_one_counted(paul, cert_p, frozen):
    """18 failures on other numbers: the pause of all lookups (20 an hour) comes before the number's."""
    for serial in range(100, 118):
        lookup(paul, make_number(serial), WRONG)
    assert tries_left(lookup(paul, NUMBER_P, WRONG)) == "1"


def test_a_success_says_nothing_of_tries(paul, cert_p, frozen):
    lookup(paul, NUMBER_P, WRONG)
    lookup(paul, NUMBER_P, WRONG)
    assert lookup(paul, NUMBER_P, KEY_P).status_code == 302
