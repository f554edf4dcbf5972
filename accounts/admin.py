from django.contrib import admin
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.admin import UserAdmin

from accounts.audited_admin import AuditedAdmin
from accounts.models import LoginFailure, TokenBucket, User
from accounts.throttle import ThrottledLoginMixin
from common.admin import ReadOnlyAdmin


@admin.register(User)
class AuditedUserAdmin(AuditedAdmin, UserAdmin):
    """Django's user admin; changes of what the user may do are audited (accounts/audited_admin.py)."""

    audited_fields = ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")
    user_field = ""


class ThrottledAdminAuthenticationForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin's login form, throttled like the portals' (accounts/throttle.py)."""


admin.site.login_form = ThrottledAdminAuthenticationForm


@admin.register(LoginFailure)
class LoginFailureAdmin(ReadOnlyAdmin):
    """Read-only: failures are evidence, recorded by accounts/throttle.py and never edited."""

    list_display = ["at", "username", "ip", "path", "throttled"]
    list_filter = ["throttled", "path", "at"]
    search_fields = ["username", "ip"]
    date_hierarchy = "at"


@admin.register(TokenBucket)
class TokenBucketAdmin(admin.ModelAdmin):
    """Current limits; deleting a row lifts that username's or IP's lock at once."""

    list_display = ["value", "tokens", "updated"]
    search_fields = ["value"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
