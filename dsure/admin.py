"""D-Sure in the admin: bodies and officials are kept here; what was posted and every lookup are
read-only. No key, and no digest of one, is ever shown."""

from django.contrib import admin, messages

from common.admin import ListFilterGuard
from dsure.models import ApiClient, Body, Certificate, LookupAttempt, Official, PostedVersion
from dsure.services import api_client_revoke


class ReadOnlyAdmin(ListFilterGuard, admin.ModelAdmin):
    """Viewable by whoever has the view permission; nobody adds, changes or deletes."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Body)
class BodyAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]
    ordering = ["code"]


@admin.register(Official)
class OfficialAdmin(admin.ModelAdmin):
    list_display = ["user", "body"]
    list_filter = ["body"]
    list_select_related = ["user", "body"]
    search_fields = ["user__username", "user__last_name", "user__first_name", "body__name"]
    raw_id_fields = ["user"]


class PostedVersionInline(admin.TabularInline):
    model = PostedVersion
    fields = ["sequence", "kind", "posted_at", "pdf"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Certificate)
class CertificateAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "body",
        "product_name",
        "created_at",
        "first_viewed_at",
        "consecutive_failures",
        "locked_at",
    ]
    list_filter = ["body", "product_name", ("locked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["body"]
    search_fields = ["number"]
    date_hierarchy = "created_at"
    # Deliberately without key_digest / digest_version.
    fields = [
        "number",
        "body",
        "product_name",
        "created_at",
        "first_viewed_at",
        "first_viewed_by",
        "consecutive_failures",
        "locked_at",
    ]
    readonly_fields = fields
    inlines = [PostedVersionInline]


@admin.register(PostedVersion)
class PostedVersionAdmin(ReadOnlyAdmin):
    list_display = ["certificate", "sequence", "kind", "posted_at"]
    list_filter = ["kind"]
    list_select_related = ["certificate"]
    search_fields = ["certificate__number"]
    date_hierarchy = "posted_at"
    fields = ["certificate", "sequence", "kind", "posted_at", "pdf", "content"]
    readonly_fields = fields


@admin.register(LookupAttempt)
class LookupAttemptAdmin(ReadOnlyAdmin):
    list_display = [
        "at",
        "official",
        "api_client",
        "body",
        "ip_address",
        "number_typed",
        "number",
        "result",
        "locked_until",
        "certificate",
    ]
    list_filter = ["result", "official__body", ("at", admin.DateFieldListFilter)]
    list_select_related = ["official__user", "official__body", "api_client__body", "certificate"]
    search_fields = ["number", "number_typed"]
    date_hierarchy = "at"
    fields = [
        "at",
        "official",
        "api_client",
        "ip_address",
        "number_typed",
        "number",
        "result",
        "locked_until",
        "certificate",
    ]
    readonly_fields = fields
    show_full_result_count = False

    @admin.display(description="発注者", ordering="official__body__name")
    def body(self, attempt):
        return attempt.actor.body


@admin.register(ApiClient)
class ApiClientAdmin(ReadOnlyAdmin):
    """E-contract systems' API clients. Created with `manage.py dsure_api_client create` (the token is
    printed once there, never shown here); revoked here or with the command."""

    list_display = ["name", "body", "created_at", "revoked_at"]
    list_filter = ["body", ("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["body"]
    search_fields = ["name", "body__name", "body__code"]
    ordering = ["body__code", "name", "pk"]
    # Deliberately without token_digest.
    fields = ["name", "body", "created_at", "revoked_at"]
    readonly_fields = fields
    actions = ["revoke"]

    def has_revoke_permission(self, request):
        return request.user.has_perm("dsure.change_apiclient")

    @admin.action(description="選択したAPIクライアントを失効させる", permissions=["revoke"])
    def revoke(self, request, queryset):
        revoked = sum(
            api_client_revoke(api_client=client, by=request.user)
            for client in queryset.select_related("body")
        )
        self.message_user(request, f"{revoked}件のAPIクライアントを失効させました。", messages.SUCCESS)
