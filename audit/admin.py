"""The audit trail in the admin: read-only, filtered by action, actor and date, searchable.

Viewing needs the audit.view_auditentry permission (superusers have it): the trail spans every
branch, company and ordering body, so clerks do not see it unless someone grants it on purpose. It lists only entries the sequencer has put
in the trail: a row written into the table by other means (never sealed, never sequenced) is not
presented as part of it (`manage.py audit_verify` names it)."""

import json

from django.contrib import admin
from django.utils.html import format_html

from audit.models import ArchivedSegment, AuditEntry, PendingEntry
from audit.sequencer import sequence_pending
from common.admin import ReadOnlyAdmin


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "action", "actor_label", "summary", "object_type", "object_id", "ip_address"]
    list_filter = ["action", ("actor", admin.RelatedOnlyFieldListFilter), "at"]
    list_select_related = ["actor"]
    search_fields = ["summary", "actor_label", "action", "object_id", "ip_address"]
    date_hierarchy = "at"
    show_full_result_count = False
    fields = [
        "id",
        "at",
        "actor",
        "actor_label",
        "action",
        "object_type",
        "object_id",
        "summary",
        "detail_json",
        "ip_address",
        "trail_position",
        "hash",
    ]
    readonly_fields = fields

    def changelist_view(self, request, extra_context=None):
        # Writers leave their entries for the sequencer's next round (audit.sequencer): the list takes
        # what waits first, so that it shows the whole trail.
        if self.has_view_or_change_permission(request) and PendingEntry.objects.exists():
            sequence_pending(wait=True)
        return super().changelist_view(request, extra_context)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .filter(position__isnull=False)
            .select_related("position")
            .order_by("-position__position")
        )

    @admin.display(description="順序")
    def trail_position(self, entry):
        return entry.position.position

    @admin.display(description="詳細")
    def detail_json(self, entry):
        return format_html(
            "<pre>{}</pre>", json.dumps(entry.detail, ensure_ascii=False, indent=2, sort_keys=True)
        )


@admin.register(ArchivedSegment)
class ArchivedSegmentAdmin(ReadOnlyAdmin):
    """What `manage.py audit_archive` moved to files: the range, the file and its SHA-256."""

    list_display = ["__str__", "archived_at", "file_name", "file_sha256"]
    fields = ["first_position", "last_position", "archived_at", "file_name", "file_sha256", "last_chain_hash"]
    readonly_fields = fields
