"""The audit trail: append-only entries, each chained to the previous one by its hash.

Rows are written only by audit.services.record. Nothing in the code updates or deletes them: save()
refuses an existing row, delete() and the queryset's update()/delete() refuse outright, and on
PostgreSQL a trigger refuses UPDATE and DELETE in SQL too (migration 0002).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from audit.hashing import GENESIS, canonical_time, chain_hash


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError("監査記録は変更できません。")

    def delete(self):
        raise ValidationError("監査記録は削除できません。")

    def bulk_update(self, objs, fields, batch_size=None):
        raise ValidationError("監査記録は変更できません。")

    def bulk_create(self, objs, *args, **kwargs):
        raise ValidationError("監査記録は audit.record でのみ追加できます。")


class AuditEntry(models.Model):
    """Who did what, to which object, when and from where. `hash` covers every other field but the id,
    and `prev_hash` (the previous entry's hash), so that changing, inserting or removing an entry
    breaks the chain from there on (`manage.py audit_verify`)."""

    at = models.DateTimeField("日時", db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="操作者",
    )
    # The actor's username; for a failed login the name as typed; "system" outside any request.
    actor_label = models.CharField("操作者名", max_length=150)
    action = models.CharField("操作", max_length=64, db_index=True)
    object_type = models.CharField("対象の種類", max_length=100, blank=True)
    object_id = models.CharField("対象のID", max_length=64, blank=True)
    summary = models.CharField("概要", max_length=200)
    detail = models.JSONField("詳細", default=dict, blank=True)
    ip_address = models.GenericIPAddressField("IPアドレス", null=True, blank=True)
    prev_hash = models.CharField("前の記録のハッシュ", max_length=64)
    hash = models.CharField("ハッシュ", max_length=64)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = "監査記録"
        verbose_name_plural = "監査記録"
        ordering = ["-id"]
        constraints = [
            # No two entries follow the same one: the chain cannot fork, whatever the locking.
            models.UniqueConstraint(fields=["prev_hash"], name="audit_chain_cannot_fork"),
        ]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.actor_label}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValidationError("監査記録は変更できません。")
        if not self.hash:
            raise ValidationError("監査記録は audit.record でのみ追加できます。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("監査記録は削除できません。")

    def chained_content(self) -> dict:
        return {
            "at": canonical_time(self.at),
            "actor_id": self.actor_id,
            "actor_label": self.actor_label,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "summary": self.summary,
            "detail": self.detail,
            "ip_address": self.ip_address,
            "prev_hash": self.prev_hash,
        }

    def compute_hash(self) -> str:
        return chain_hash(self.chained_content())


class ChainHead(models.Model):
    """The chain's one head row: the last entry and its hash. record() locks it (select_for_update)
    inside the writer's transaction, so concurrent writers queue instead of forking the chain, and
    audit_verify compares the chain's end with it, so that cutting off the newest entries shows."""

    SINGLETON = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON)
    last_entry_id = models.BigIntegerField(null=True, blank=True)
    last_hash = models.CharField(max_length=64, default=GENESIS)
    entries = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = "監査記録の先頭"
        verbose_name_plural = "監査記録の先頭"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_single_chain_head")]

    def __str__(self):
        return f"{self.entries} entries, last {self.last_entry_id}"
