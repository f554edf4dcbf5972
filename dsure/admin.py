"""D-Sure in the admin: bodies and officials are kept here; what was posted and every lookup are
read-only. No key, and no digest of one, is ever shown."""

from django.contrib import admin, messages

from accounts.audited_admin import AuditedAdmin
from common.admin import ReadOnlyAdmin, ReadOnlyInline
from dsure.deliveries import delivery_resend
from dsure.models import (
    ApiClient,
    Body,
    Certificate,
    CertificateEvent,
    Delivery,
    DeliveryAttempt,
    LookupAttempt,
    Official,
    PostedVersion,
    WebhookEndpoint,
)
from dsure.services import api_client_revoke


@admin.register(Body)
class BodyAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]
    ordering = ["code"]


@admin.register(Official)
class OfficialAdmin(AuditedAdmin):
    audited_fields = ("user", "body")
    list_display = ["user", "body", "notify_by_email"]
    list_filter = ["body"]
    list_select_related = ["user", "body"]
    search_fields = ["user__username", "user__last_name", "user__first_name", "body__name"]
    raw_id_fields = ["user"]


class PostedVersionInline(ReadOnlyInline):
    model = PostedVersion
    fields = ["sequence", "kind", "posted_at", "pdf"]
    readonly_fields = fields
    show_change_link = True


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


# --- Notices and their deliveries (docs/dsure-notices.md) -----------------------------------------


@admin.register(CertificateEvent)
class CertificateEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "certificate", "body", "kind"]
    list_filter = ["kind", "body"]
    list_select_related = ["certificate", "body"]
    search_fields = ["certificate__number"]
    date_hierarchy = "occurred_at"
    fields = ["public_id", "occurred_at", "certificate", "body", "kind", "dedup_key", "payload"]
    readonly_fields = fields


class DeliveryAttemptInline(ReadOnlyInline):
    """The attempt log of one delivery."""

    model = DeliveryAttempt
    fields = ["at", "response_status", "error", "duration_ms"]
    readonly_fields = fields


@admin.register(Delivery)
class DeliveryAdmin(ReadOnlyAdmin):
    """Every e-mail and webhook delivery of an event, with its attempts; 再送 sends a failed (or any)
    delivery again under the same webhook-id."""

    list_display = [
        "event",
        "recipient",
        "state",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "last_error",
    ]
    list_filter = ["state", "event__body", ("endpoint", admin.EmptyFieldListFilter)]
    list_select_related = [
        "event__certificate",
        "endpoint__api_client__body",
        "official__user",
        "official__body",
    ]
    search_fields = ["event__certificate__number", "endpoint__url"]
    fields = [
        "event",
        "official",
        "endpoint",
        "state",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "last_error",
    ]
    readonly_fields = fields
    inlines = [DeliveryAttemptInline]
    actions = ["resend"]
    show_full_result_count = False

    @admin.display(description="送信先")
    def recipient(self, delivery):
        return delivery.endpoint or delivery.official

    def has_resend_permission(self, request):
        return request.user.has_perm("dsure.change_delivery")

    @admin.action(description="選択した通知を再送する", permissions=["resend"])
    def resend(self, request, queryset):
        deliveries = list(queryset.select_related("event"))
        for delivery in deliveries:
            delivery_resend(delivery=delivery, by=request.user)
        self.message_user(request, f"{len(deliveries)}件の通知を再送しました。", messages.SUCCESS)


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    """Endpoints registered by API clients through the API. The signing secret is never shown here."""

    list_display = ["url", "api_client", "event_kinds", "created_at", "disabled_at"]
    list_filter = [("disabled_at", admin.EmptyFieldListFilter)]
    list_select_related = ["api_client__body"]
    search_fields = ["url", "api_client__name", "api_client__body__name"]
    # Deliberately without secret_ciphertext.
    fields = ["url", "api_client", "event_kinds", "created_at", "disabled_at"]
    readonly_fields = fields
