"""Guessing is throttled per (official, number), per official, and per certificate; the page says when
to try again. Time travels with time-machine: nobody sleeps."""

import datetime

import time_machine
from django.test import Client
from django.utils import timezone

from dsure.digest import key_digest
from dsure.models import Certificate, LookupAttempt
from dsure.services import certificate_key_replace, certificate_lookup
from tests import factories
from tests.dsure.conftest import KEY_P, NUMBER_P, TOKYO, UNKNOWN_NUMBER, lookup, make_number

FAILURE = "保証契約番号または認証キーが正しくないか、貴団体で閲覧できる電子証書ではありません。"
NUMBER_LOCKED = "この保証契約番号は、認証キーの誤入力が続いたため一時的に照会できません。"
PAUSED = "認証キーの誤入力が続いたため、照会を一時停止しています。"
CERTIFICATE_LOCKED = "この電子証書は、認証キーの誤入力が続いたため照会を停止しています。"
WRONG = "WrongKey2345"
MINUTE = datetime.timedelta(minutes=1)


def attempt(user, number, key):
    return certificate_lookup(official=user.official, number_typed=number, key=key, ip_address="192.0.2.1")


def fail_times(client, frozen, number, times, step=MINUTE):
    for _ in range(times):
        lookup(client, number, WRONG)
        frozen.shift(step)


# --- one number, one official: 5 failures lock it for 15 minutes ----------------------------------


def test_five_wrong_keys_lock_that_number_for_that_official_for_15_minutes(paul, cert_p, frozen):
    fail_times(paul, frozen, NUMBER_P, 4)  # 10:00 … 10:03
    fifth = lookup(paul, NUMBER_P, WRONG)  # 10:04
    html = fifth.content.decode()
    assert FAILURE in html
    assert f"{NUMBER_LOCKED}10時19分以降に再度お試しください。" in html

    frozen.shift(MINUTE)  # 10:05: even the right key is refused, and the page says until when
    refused = lookup(paul, NUMBER_P, KEY_P)
    assert refused.status_code == 429
    assert f"{NUMBER_LOCKED}10時19分以降に再度お試しください。" in refused.content.decode()
    assert FAILURE not in refused.content.decode()
    assert LookupAttempt.objects.latest("pk").result == LookupAttempt.Result.THROTTLED

    frozen.shift(datetime.timedelta(minutes=13, seconds=59))  # 10:18:59
    assert lookup(paul, NUMBER_P, KEY_P).status_code == 429
    frozen.shift(datetime.timedelta(seconds=1))  # 10:19:00
    assert lookup(paul, NUMBER_P, KEY_P).status_code == 302


def test_the_lock_is_per_official_and_per_number(client, official_p, cert_p, frozen):
    client.force_login(official_p)
    fail_times(client, frozen, NUMBER_P, 5)
    assert lookup(client, NUMBER_P, KEY_P).status_code == 429
    # Another number is not locked for this official …
    other = lookup(client, UNKNOWN_NUMBER, WRONG)
    assert other.status_code == 200
    assert FAILURE in other.content.decode() and NUMBER_LOCKED not in other.content.decode()
    # … and this number is not locked for a colleague of the same body.
    colleague = factories.OfficialFactory(user__username="pia", body=official_p.official.body).user
    second = Client()
    second.force_login(colleague)
    assert lookup(second, NUMBER_P, KEY_P).status_code == 302


def test_an_unknown_number_locks_exactly_like_a_real_one(paul, cert_p, frozen):
    fail_times(paul, frozen, UNKNOWN_NUMBER, 4)
    html = lookup(paul, UNKNOWN_NUMBER, WRONG).content.decode()
    assert f"{NUMBER_LOCKED}10時19分以降に再度お試しください。" in html
    assert lookup(paul, UNKNOWN_NUMBER, WRONG).status_code == 429


def test_after_the_lock_five_more_failures_are_needed_for_the_next(official_p, cert_p, frozen):
    for _ in range(5):
        attempt(official_p, NUMBER_P, WRONG)
    frozen.shift(datetime.timedelta(minutes=15))
    for _ in range(4):
        outcome = attempt(official_p, NUMBER_P, WRONG)
        assert outcome.result == "failure" and outcome.retry_at is None
    fifth = attempt(official_p, NUMBER_P, WRONG)
    assert fifth.retry_at == timezone.now() + datetime.timedelta(minutes=15)
    assert attempt(official_p, NUMBER_P, KEY_P).result == "throttled"


def test_a_success_starts_the_count_again(official_p, cert_p, frozen):
    for _ in range(4):
        attempt(official_p, NUMBER_P, WRONG)
    assert attempt(official_p, NUMBER_P, KEY_P).succeeded
    for _ in range(4):
        assert attempt(official_p, NUMBER_P, WRONG).retry_at is None
    assert attempt(official_p, NUMBER_P, KEY_P).succeeded


def test_failures_more_than_an_hour_apart_do_not_add_up(official_p, cert_p, frozen):
    for _ in range(4):
        attempt(official_p, NUMBER_P, WRONG)
    frozen.shift(datetime.timedelta(minutes=61))
    assert attempt(official_p, NUMBER_P, WRONG).retry_at is None
    assert attempt(official_p, NUMBER_P, KEY_P).succeeded


def test_mistyped_numbers_never_lock_anything(paul, cert_p, frozen):
    typo = NUMBER_P[:-1] + ("A" if NUMBER_P[-1] != "A" else "B")
    for _ in range(30):
        assert lookup(paul, typo, WRONG).status_code == 200
    assert LookupAttempt.objects.filter(result="bad_number").count() == 30
    assert lookup(paul, NUMBER_P, KEY_P).status_code == 302


# --- one official: 20 failures within an hour pause every lookup for the rest of that hour ---------


def test_twenty_failures_in_an_hour_pause_all_lookups_until_the_oldest_is_an_hour_old(paul, cert_p, frozen):
    numbers = [make_number(100 + i) for i in range(20)]
    for number in numbers[:19]:  # 10:00, 10:02, …, 10:36: one failure per number, no number lock
        lookup(paul, number, WRONG)
        frozen.shift(2 * MINUTE)
    twentieth = lookup(paul, numbers[19], WRONG).content.decode()  # 10:38
    assert FAILURE in twentieth
    assert f"{PAUSED}11時00分以降に再度お試しください。" in twentieth

    frozen.shift(2 * MINUTE)  # 10:40: the right number and key are refused too
    refused = lookup(paul, NUMBER_P, KEY_P)
    assert refused.status_code == 429
    assert f"{PAUSED}11時00分以降に再度お試しください。" in refused.content.decode()

    frozen.shift(datetime.timedelta(minutes=19, seconds=59))  # 10:59:59
    assert lookup(paul, NUMBER_P, KEY_P).status_code == 429
    frozen.shift(datetime.timedelta(seconds=1))  # 11:00: the 10:00 failure has left the hour
    assert lookup(paul, UNKNOWN_NUMBER, WRONG).status_code == 200
    # That failure is the 20th of the rolling hour again: paused until 10:02's failure is an hour old.
    again = lookup(paul, NUMBER_P, KEY_P)
    assert again.status_code == 429
    assert f"{PAUSED}11時02分以降に再度お試しください。" in again.content.decode()
    frozen.shift(2 * MINUTE)
    assert lookup(paul, NUMBER_P, KEY_P).status_code == 302


def test_the_pause_is_per_official(client, official_p, official_q, cert_p, frozen):
    for i in range(20):
        attempt(official_q, make_number(100 + i), WRONG)
    assert attempt(official_q, UNKNOWN_NUMBER, WRONG).result == "throttled"
    client.force_login(official_p)
    assert lookup(client, NUMBER_P, KEY_P).status_code == 302


def test_a_retry_time_past_midnight_names_the_day(paul, cert_p):
    with time_machine.travel(datetime.datetime(2026, 6, 1, 23, 50, tzinfo=TOKYO), tick=False):
        for _ in range(4):
            lookup(paul, NUMBER_P, WRONG)
        html = lookup(paul, NUMBER_P, WRONG).content.decode()
    assert f"{NUMBER_LOCKED}6月2日0時05分以降に再度お試しください。" in html


# --- one certificate, all officials: 100 consecutive failures lock it until the key is re-issued ---


def _hundred_failures(officials, number, frozen):
    """100 failures on one number, five at a time, alternating officials, 15 minutes apart (neither
    the number lock nor the hourly pause gets in the way)."""
    for group in range(20):
        for _ in range(5):
            assert attempt(officials[group % len(officials)], number, WRONG).result == "failure"
        frozen.shift(datetime.timedelta(minutes=15))


def test_hundred_consecutive_failures_lock_the_certificate_until_the_key_is_reissued(
    client, official_p, official_q, cert_p, frozen
):
    colleague = factories.OfficialFactory(user__username="pia", body=official_p.official.body).user
    _hundred_failures([official_p, colleague], NUMBER_P, frozen)
    cert_p.refresh_from_db()
    assert cert_p.consecutive_failures == 100
    assert cert_p.locked_at is not None

    # The body's own official is told, and told what to do; the right key does not help.
    client.force_login(official_p)
    locked = lookup(client, NUMBER_P, KEY_P)
    assert CERTIFICATE_LOCKED in locked.content.decode()
    assert "認証キーの再発行" in locked.content.decode()
    assert LookupAttempt.objects.latest("pk").result == LookupAttempt.Result.LOCKED
    # Another body's official learns nothing: the generic failure.
    client.force_login(official_q)
    other = lookup(client, NUMBER_P, KEY_P)
    assert FAILURE in other.content.decode() and CERTIFICATE_LOCKED not in other.content.decode()

    new_key = "Nw4KeyQ7rT2s"
    certificate_key_replace(number=NUMBER_P, key_digest=key_digest(NUMBER_P, new_key))
    client.force_login(official_p)
    assert FAILURE in lookup(client, NUMBER_P, KEY_P).content.decode()  # the old key is dead at once
    assert lookup(client, NUMBER_P, new_key).status_code == 302


def test_a_success_resets_the_consecutive_failures(official_p, cert_p, frozen):
    colleague = factories.OfficialFactory(user__username="pia", body=official_p.official.body).user
    for group in range(19):
        for _ in range(5):
            attempt([official_p, colleague][group % 2], NUMBER_P, WRONG)
        frozen.shift(datetime.timedelta(minutes=15))
    for _ in range(4):
        attempt(colleague, NUMBER_P, WRONG)
    assert Certificate.objects.get(pk=cert_p.pk).consecutive_failures == 99
    assert attempt(official_p, NUMBER_P, KEY_P).succeeded
    attempt(colleague, NUMBER_P, WRONG)
    cert_p.refresh_from_db()
    assert cert_p.consecutive_failures == 1
    assert cert_p.locked_at is None


def test_another_bodys_officials_cannot_lock_a_certificate(official_p, official_q, cert_p, frozen):
    """20 officials of 栃木県, 5 wrong keys each on 小谷村's number: they can never succeed there, so
    their failures count against themselves (each is locked out of that number) and not towards the
    certificate's lock. What each of them is told is what an unknown number would tell them."""
    tochigi = official_q.official.body
    strangers = [official_q] + [
        factories.OfficialFactory(user__username=f"tochigi{n}", body=tochigi).user for n in range(19)
    ]
    answers_on_p, answers_on_unknown = [], []
    for stranger in strangers:
        for number, answers in ((NUMBER_P, answers_on_p), (UNKNOWN_NUMBER, answers_on_unknown)):
            answers.append([_answer(attempt(stranger, number, WRONG)) for _ in range(5)])
        frozen.shift(datetime.timedelta(minutes=1))
    assert answers_on_p == answers_on_unknown
    assert answers_on_p[0][-1] == ("failure", "number")  # the 5th locks the number for that official

    cert_p.refresh_from_db()
    assert cert_p.consecutive_failures == 0 and cert_p.locked_at is None
    assert attempt(official_p, NUMBER_P, KEY_P).succeeded


def _answer(outcome):
    return outcome.result, outcome.throttle
