"""The audit trail: append-only entries, sealed by the application and put in order by a sequencer.

A writer only inserts its entry (and a row in the pending queue) inside its own transaction: it takes no
shared lock. The sequencer (audit.sequencer) later gives pending entries contiguous positions in the
trail, each chained to the one before. Rows are written only by audit.services.record and the
sequencer. Nothing in the code updates or deletes entries or positions: save() refuses an existing row,
delete() and the queryset's update()/delete() refuse outright, and on PostgreSQL a trigger refuses
UPDATE and DELETE in SQL too (migrations 0002 and 0004).
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models

from audit.hashing import GENESIS, content_hash


class AppendOnlyQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ValidationError("監査記録は変更できません。")

    def delete(self):
        raise ValidationError("監査記録は削除できません。")

    def bulk_update(self, objs, fields, batch_size=None):
        raise ValidationError("監査記録は変更できません。")

    def bulk_create(self, objs, *args, **kwargs):
        raise ValidationError("監査記録は audit.record でのみ追加できます。")


class AppendOnlyModel(models.Model):
    """A row of the trail: written once, never changed or deleted through the ORM."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValidationError("監査記録は変更できません。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError("監査記録は削除できません。")


class AuditEntry(AppendOnlyModel):
    """Who did what, to which object, when and from where. `hash` covers every other field but the id
    and the seal; `seal` is an HMAC of the hash with the server's secret, so a row someone inserts
    straight into the table is never sequenced and `manage.py audit_verify` names it. An entry is part
    of the trail once it has a TrailPosition."""

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
    hash = models.CharField("ハッシュ", max_length=64)
    seal = models.CharField("封印", max_length=64)

    class Meta:
        verbose_name = "監査記録"
        verbose_name_plural = "監査記録"
        ordering = ["-id"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.actor_label}"

    def save(self, *args, **kwargs):
        if self._state.adding and (not self.hash or not self.seal):
            raise ValidationError("監査記録は audit.record でのみ追加できます。")
        super().save(*args, **kwargs)

    def compute_hash(self) -> str:
        return content_hash(self)


class PendingEntry(models.Model):
    """The queue of entries written but not yet in the trail: the sequencer takes and removes them.
    Writers insert here without waiting for one another; nothing else queues on a shared row."""

    entry = models.OneToOneField(AuditEntry, on_delete=models.CASCADE, primary_key=True, related_name="+")

    class Meta:
        verbose_name = "順序付け待ちの監査記録"
        verbose_name_plural = "順序付け待ちの監査記録"

    def __str__(self):
        return f"pending {self.entry_id}"


class TrailPosition(models.Model):
    """An entry's place in the trail: positions 1, 2, 3 … with no gap, each entry at most once, and
    `chain_hash` = SHA-256(previous position's chain_hash ‖ the entry's hash), so that removing,
    reordering or changing an entry breaks the chain from there on. Written only by the sequencer."""

    position = models.PositiveBigIntegerField("順序", primary_key=True)
    entry = models.OneToOneField(AuditEntry, on_delete=models.PROTECT, related_name="position")
    chain_hash = models.CharField("連鎖ハッシュ", max_length=64)

    class Meta:
        verbose_name = "監査記録の順序"
        verbose_name_plural = "監査記録の順序"

    def __str__(self):
        return f"#{self.position}"


class ChainHead(models.Model):
    """The trail's one head row: how many positions it has and the last chain hash. Only the sequencer
    locks it (skipping it when another sequencer holds it), never a writer; audit_verify compares the
    chain's end with it, so that cutting off the newest positions shows."""

    SINGLETON = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON)
    last_hash = models.CharField(max_length=64, default=GENESIS)
    entries = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = "監査記録の先頭"
        verbose_name_plural = "監査記録の先頭"
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="audit_single_chain_head")]

    def __str__(self):
        return f"{self.entries} entries, last {self.last_hash[:12]}"


class ArchivedSegment(AppendOnlyModel):
    """Positions `first_position`…`last_position` of the trail, moved out of the database into a file
    (`manage.py audit_archive`, docs/audit.md): the file's SHA-256 and the chain hashes at both ends
    stay here, so `audit_verify` starts the chain where the archive ends and `audit_verify --archive
    FILE` checks the file itself. Segments follow one another from position 1 with no gap; `seal` is
    an HMAC of the row, so a segment row written by hand (to hide deleted positions) is refused."""

    first_position = models.PositiveBigIntegerField("最初の順序", unique=True)
    last_position = models.PositiveBigIntegerField("最後の順序", unique=True)
    previous_chain_hash = models.CharField("直前の連鎖ハッシュ", max_length=64)
    last_chain_hash = models.CharField("最後の連鎖ハッシュ", max_length=64)
    file_name = models.CharField("ファイル名", max_length=200)
    file_sha256 = models.CharField("ファイルのSHA-256", max_length=64)
    archived_at = models.DateTimeField("保管日時")
    seal = models.CharField("封印", max_length=64)

    class Meta:
        verbose_name = "保管済みの監査記録"
        verbose_name_plural = "保管済みの監査記録"
        ordering = ["first_position"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(last_position__gte=models.F("first_position")),
                name="audit_segment_not_empty",
            )
        ]

    def __str__(self):
        return f"#{self.first_position}–#{self.last_position}"

    @property
    def entries(self) -> int:
        return self.last_position - self.first_position + 1

    def sealed_content(self) -> str:
        return (
            f"{self.first_position}:{self.last_position}:{self.previous_chain_hash}:"
            f"{self.last_chain_hash}:{self.file_name}:{self.file_sha256}"
        )
