"""Login throttling against password guessing, in the database (healthchecks' TokenBucket).

Two buckets are consulted for every login attempt: one per username (as typed, case-folded) and one
per client IP. Each holds settings.LOGIN_FAILURES_PER_USERNAME (…_PER_IP) tokens and refills in
settings.LOGIN_FAILURE_WINDOW_SECONDS. An attempt takes a token from both *before* the password is
checked, so parallel requests cannot guess more than the bucket holds; a successful login gives them
back, so only failures count. With either bucket empty the form answers THROTTLED_MESSAGE and the
password is not checked at all. The username bucket is per name typed, existing or not, so the
throttle tells nothing about which accounts exist.

Every refused login is recorded as a LoginFailure row and a `login_failed` log event.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

import audit
from accounts.models import LoginFailure, TokenBucket
from common.http import client_ip
from config.logging import log_event

THROTTLED_MESSAGE = "ログインの試行回数が上限に達しました。しばらくしてから再度お試しください。"


def _buckets(*, username: str, ip: str | None) -> list[tuple[str, int]]:
    return [
        (f"login-user:{username.strip().casefold()}"[:200], settings.LOGIN_FAILURES_PER_USERNAME),
        (f"login-ip:{ip or 'unknown'}", settings.LOGIN_FAILURES_PER_IP),
    ]


def _window() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def login_attempt_begin(*, username: str, ip: str | None) -> bool:
    """Take one token from each bucket, or none at all and return False if either is empty."""
    now, window = timezone.now(), _window()
    with transaction.atomic():
        taken = []
        # Always in the same order (username, then IP), so two attempts cannot deadlock.
        for value, capacity in _buckets(username=username, ip=ip):
            bucket, _ = TokenBucket.objects.select_for_update().get_or_create(
                value=value, defaults={"tokens": float(capacity), "updated": now}
            )
            tokens = bucket.refilled(now=now, capacity=capacity, window=window)
            if tokens < 1:
                return False
            taken.append((bucket, tokens - 1))
        for bucket, tokens in taken:
            bucket.tokens, bucket.updated = tokens, now
            bucket.save(update_fields=["tokens", "updated"])
    return True


def login_succeeded(*, username: str, ip: str | None) -> None:
    """Give back the tokens login_attempt_begin took: a successful login is not a failure."""
    now, window = timezone.now(), _window()
    with transaction.atomic():
        for value, capacity in _buckets(username=username, ip=ip):
            bucket = TokenBucket.objects.select_for_update().filter(value=value).first()
            if bucket is not None:
                bucket.tokens = min(
                    float(capacity), bucket.refilled(now=now, capacity=capacity, window=window) + 1
                )
                bucket.updated = now
                bucket.save(update_fields=["tokens", "updated"])


def login_failed(*, username: str, ip: str | None, path: str, throttled: bool) -> LoginFailure:
    """Record a refused login (the tokens stay taken)."""
    failure = LoginFailure.objects.create(
        username=username[:150], ip=ip, path=path[:100], throttled=throttled, at=timezone.now()
    )
    log_event("login_failed", username=failure.username, ip=ip or "-", path=path, throttled=throttled)
    audit.record(
        action="auth.login.failure",
        summary="ログイン失敗（試行制限中）" if throttled else "ログイン失敗",
        actor_label=failure.username or "(空欄)",
        path=path,
        throttled=throttled,
    )
    return failure


class ThrottledLoginMixin:
    """For subclasses of django.contrib.auth.forms.AuthenticationForm (the view passes `request`)."""

    def clean(self):
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is None or not password:
            return super().clean()  # an empty field: nothing was tried
        ip = client_ip(self.request) if self.request else None
        path = self.request.path if self.request else ""
        if not login_attempt_begin(username=username, ip=ip):
            login_failed(username=username, ip=ip, path=path, throttled=True)
            raise ValidationError(THROTTLED_MESSAGE, code="throttled")
        try:
            cleaned_data = super().clean()
        except ValidationError:
            login_failed(username=username, ip=ip, path=path, throttled=False)
            raise
        login_succeeded(username=username, ip=ip)
        return cleaned_data
