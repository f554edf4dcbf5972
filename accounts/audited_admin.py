"""Admin changes to who belongs where, in the audit trail.

A user's company (netdesk.Member), branch (issuers.Clerk), ordering body (dsure.Official) and staff
flags and groups decide what that user sees: moving an official to another body shows that body's
inbox. Each admin registering such a model mixes in AuditedAdmin and names the fields that matter; an
add, a change of one of them, or a delete is recorded with the user concerned and each field from → to.
Other fields (a name, an e-mail address) are the admin's own history (LogEntry), not the trail's.
"""

from django.contrib import admin

import audit

VERBS = {"add": "追加", "change": "変更", "delete": "削除"}


def _text(value) -> str:
    """A field's value as people read it: the related object's name, group names joined, "" for none."""
    if value is None:
        return ""
    if hasattr(value, "all"):  # a many-to-many manager
        return "、".join(sorted(str(item) for item in value.all()))
    return str(value)


class AuditedAdmin(admin.ModelAdmin):
    audited_fields: tuple[str, ...] = ()  # the fields whose changes are recorded
    user_field = "user"  # whose role it is ("" when the object is the user itself)

    def _audited_values(self, obj) -> dict[str, str]:
        return {name: _text(getattr(obj, name)) for name in self.audited_fields}

    def _user_of(self, obj) -> str:
        user = getattr(obj, self.user_field) if self.user_field else obj
        return user.get_username()

    def _record(self, obj, verb: str, before: dict, after: dict) -> None:
        changes = {
            name: {"from": before[name], "to": after[name]}
            for name in self.audited_fields
            if before[name] != after[name]
        }
        if not changes and verb == "change":
            return
        opts = obj._meta
        described = "、".join(
            f"{opts.get_field(name).verbose_name}: {change['from'] or '（なし）'} → {change['to'] or '（なし）'}"
            for name, change in changes.items()
        )
        audit.record(
            action=f"{opts.app_label}.{opts.model_name}.{verb}",
            summary=f"{opts.verbose_name}「{self._user_of(obj)}」を{VERBS[verb]}（{described}）",
            obj=obj,
            user=self._user_of(obj),
            changes=changes,
        )

    def save_model(self, request, obj, form, change):
        # The values before the change, read from the database: the form's initial data holds ids.
        stored = type(obj)._default_manager.filter(pk=obj.pk).first() if change else None
        obj._audited_before = (
            self._audited_values(stored) if stored else dict.fromkeys(self.audited_fields, "")
        )
        super().save_model(request, obj, form, change)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)  # many-to-many fields are saved here
        obj = form.instance
        self._record(obj, "change" if change else "add", obj._audited_before, self._audited_values(obj))

    def delete_model(self, request, obj):
        self._record(obj, "delete", self._audited_values(obj), dict.fromkeys(self.audited_fields, ""))
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self._record(obj, "delete", self._audited_values(obj), dict.fromkeys(self.audited_fields, ""))
        super().delete_queryset(request, queryset)
