"""Login throttling against password guessing, in the database (healthchecks' TokenBucket).

Two buckets are consulted for every login attempt: one per username (as typed, case-folded) and one
per client IP. Each holds settings.LOGIN_FAILURES_PER_USERNAME (…_PER_IP) tokens and refills in
settings.LOGIN_FAILURE_WINDOW_SECONDS. An attempt takes a token from both *before* the password is
checked, so parallel requests cannot guess more than the bucket holds; a successful login gives them
back, so only failures count. With either bucket empty the form answers THROTTLED_MESSAGE and the
password is not checked at all. The username bucket is per name typed, existing or not, so the
throttle tells nothing about which accounts exist.

Every refused login is recorded as a LoginFailure row, an audit entry and a `login_failed` log event.
The username is written down only when it names a user: people type their password into the username
field, and what does not name a user may be one. Unknown names are throttled all the same, under a
keyed hash (the bucket's row shows neither the name nor whether it exists).
"""

import datetime
import hashlib
import hmac

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

import audit
from accounts.models import LoginFailure, TokenBucket
from common.http import client_ip
from config.logging import log_event

SEAL_CHECK_THROTTLED = "確認の回数が上限に達しました。しばらくしてから再度お試しください。"
THROTTLED_MESSAGE = "ログインの試行回数が上限に達しました。しばらくしてから再度お試しください。"
UNKNOWN_USERNAME_LABEL = "(登録のない利用者名)"


def names_a_user(username: str) -> bool:
    """Whether a typed username is some user's (letter case aside, as the throttle counts it)."""
    name = username.strip()
    return bool(name) and get_user_model().objects.filter(username__iexact=name).exists()


def _username_bucket(username: str) -> str:
    name = username.strip().casefold()
    if names_a_user(name):
        return f"login-user:{name}"[:200]
    digest = hmac.new(settings.SECRET_KEY.encode(), name.encode(), hashlib.sha256).hexdigest()
    return f"login-user:#{digest[:32]}"


def _buckets(*, username: str, ip: str | None) -> list[tuple[str, int]]:
    return [
        (_username_bucket(username), settings.LOGIN_FAILURES_PER_USERNAME),
        (f"login-ip:{ip or 'unknown'}", settings.LOGIN_FAILURES_PER_IP),
    ]


def _window() -> datetime.timedelta:
    return datetime.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def login_attempt_begin(*, username: str, ip: str | None) -> bool:
    """Take one token from each bucket, or none at all and return False if either is empty."""
    return tokens_take(_buckets(username=username, ip=ip), window=_window())


def tokens_take(buckets: list[tuple[str, int]], *, window: datetime.timedelta) -> bool:
    """Take one token from each (bucket, capacity), or none at all and return False if one is empty.
    Also the limit of other costly attempts: 電子証書の真正性確認's uploads, per user."""
    now = timezone.now()
    with transaction.atomic():
        taken = []
        # Always in the order given (for logins: username, then IP), so two attempts cannot deadlock.
        for value, capacity in buckets:
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


def seal_check_allowed(user) -> bool:
    """電子証書の真正性確認 (D-Sure) and Net Desk's same check: SEAL_CHECKS_PER_HOUR per user, every
    upload counted (each costs a signature validation, whatever it finds)."""
    return tokens_take(
        [(f"seal-check-user:{user.pk}", settings.SEAL_CHECKS_PER_HOUR)], window=datetime.timedelta(hours=1)
    )


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
    """Record a refused login (the tokens stay taken); the username only when it names a user."""
    recorded = username[:150] if names_a_user(username) else ""
    failure = LoginFailure.objects.create(
        username=recorded, ip=ip, path=path[:100], throttled=throttled, at=timezone.now()
    )
    log_event("login_failed", username=recorded or "-", ip=ip or "-", path=path, throttled=throttled)
    audit.record(
        action="auth.login.failure",
        summary="ログイン失敗（試行制限中）" if throttled else "ログイン失敗",
        actor_label=recorded or UNKNOWN_USERNAME_LABEL,
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
