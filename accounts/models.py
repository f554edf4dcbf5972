import datetime

from django.contrib.auth.models import AbstractUser
from django.db import models


class User(AbstractUser):
    """Every person who logs in: contractor staff, branch clerks, ordering-body officials, admins.

    A custom model from day one (Django's advice); roles are not flags here but the row that ties a
    user to their organisation, owned by the app of that portal: netdesk.Member (a company),
    issuers.Clerk (a branch), dsure.Official (an ordering body).
    """

    class Meta:
        verbose_name = "利用者"
        verbose_name_plural = "利用者"

    def get_full_name(self):
        """Family name first, as Japanese names are written: 「小谷 花子」."""
        return f"{self.last_name} {self.first_name}".strip()


class TokenBucket(models.Model):
    """A rate limit kept in the database, healthchecks style: one row per thing being limited
    ("login-user:alice", "login-ip:192.0.2.1"). A full bucket holds `capacity` tokens and refills
    continuously, `capacity` tokens per `window`; each counted attempt takes one. Rows are small and
    few (one per username or IP tried); an admin may delete one to lift a lock early."""

    value = models.CharField("対象", max_length=200, unique=True)
    tokens = models.FloatField("残り")
    updated = models.DateTimeField("更新日時")

    class Meta:
        verbose_name = "試行制限"
        verbose_name_plural = "試行制限"

    def __str__(self):
        return self.value

    def refilled(self, *, now, capacity: int, window: datetime.timedelta) -> float:
        elapsed = max((now - self.updated).total_seconds(), 0.0)
        return min(float(capacity), self.tokens + elapsed * capacity / window.total_seconds())


class LoginFailure(models.Model):
    """Every refused login to the admin or a portal: the username (only when it names a user: what does
    not may be a password typed into the wrong field), where from, when, and
    whether the password was not even checked because of throttling. Append-only."""

    username = models.CharField("ユーザー名（登録のあるもののみ）", max_length=150, blank=True)
    ip = models.GenericIPAddressField("IPアドレス", null=True, blank=True)
    path = models.CharField("ログイン画面", max_length=100)
    throttled = models.BooleanField("試行制限中", default=False)
    at = models.DateTimeField("日時", db_index=True)

    class Meta:
        verbose_name = "ログイン失敗"
        verbose_name_plural = "ログイン失敗"
        ordering = ["-at", "-pk"]

    def __str__(self):
        return f"{self.username} {self.ip or '-'} {self.at:%Y-%m-%d %H:%M:%S}"
