"""D-Sure (保証確認サービス): what surety companies posted, who may view it, and every lookup.

D-Sure is a separate service in reality. This app knows only what was posted to it through
`dsure.services.certificate_post` and its own officials; it imports nothing from `issuers` or `netdesk`.
It never holds a 認証キー, only its keyed digest.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone


class Body(models.Model):
    """An ordering body (発注者) registered with D-Sure, known by its local-government code."""

    code = models.CharField("団体コード", max_length=6, unique=True)
    name = models.CharField("発注者名", max_length=100)

    class Meta:
        verbose_name = "発注者（D-Sure）"
        verbose_name_plural = "発注者（D-Sure）"

    def __str__(self):
        return self.name


class Official(models.Model):
    """An ordering-body official with a D-Sure login. One body each."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="official")
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="officials")
    notify_by_email = models.BooleanField(
        "通知を電子メールでも受け取る",
        default=False,
        help_text="変更・訂正・変更取消・取消・保証期限の通知を、利用者のメールアドレスにも送ります（認証キーは含みません）。",
    )

    class Meta:
        verbose_name = "発注者職員"
        verbose_name_plural = "発注者職員"

    def __str__(self):
        return f"{self.user.get_username()}（{self.body}）"


class Certificate(models.Model):
    """One guarantee contract as D-Sure knows it: its number, its 被保証者 and its key's digest."""

    number = models.CharField("保証契約番号", max_length=12, unique=True)
    # What the officials' URLs carry: neither the key nor a guessable sequence.
    public_id = models.UUIDField("公開ID", default=uuid.uuid4, unique=True, editable=False)
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="certificates")
    product_name = models.CharField("商品名", max_length=20)
    # Who posted it (the surety company's identity, docs/dsure-api.md): only that issuer posts to it.
    issuer = models.CharField("保証会社", max_length=64, blank=True)
    key_digest = models.CharField("認証キーのダイジェスト", max_length=64)
    digest_version = models.CharField("ダイジェスト鍵の版", max_length=16)
    consecutive_failures = models.PositiveIntegerField("連続失敗回数", default=0)
    locked_at = models.DateTimeField("ロック日時", null=True, blank=True)
    first_viewed_at = models.DateTimeField("初回閲覧日時", null=True, blank=True)
    first_viewed_by = models.ForeignKey(
        Official, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # The guarantee contract was withdrawn (取消) by the surety company: the certificate stays
    # viewable with its history, and its status reads 取消.
    revoked_at = models.DateTimeField("取消日時", null=True, blank=True)
    # The current version's 保証期限, kept with every posting so that the daily expiry task is one query.
    guarantee_deadline = models.DateField("保証期限", null=True, blank=True, db_index=True)
    # When the daily task found the 保証期限 past (Japan time) and raised 期限切れ; cleared by a 変更
    # that moves the 保証期限 into the future again.
    expired_at = models.DateTimeField("期限切れ処理日時", null=True, blank=True)
    created_at = models.DateTimeField("掲載日時", auto_now_add=True)

    class Meta:
        verbose_name = "電子証書"
        verbose_name_plural = "電子証書"
        # The body's inbox holds the certificates it has looked up once: read them without visiting
        # every certificate ever posted to the body (docs/performance.md).
        indexes = [
            models.Index(
                fields=["body"],
                condition=models.Q(first_viewed_at__isnull=False),
                name="certificate_body_received",
            )
        ]

    def __str__(self):
        return self.number


class PostedVersion(models.Model):
    """A certificate version as posted: immutable. 訂正 and 変更取消 are new rows too."""

    class Kind(models.TextChoices):
        NEW = "new", "新規"
        CHANGE = "change", "変更"
        CORRECTION = "correction", "訂正"
        CANCELLATION = "cancellation", "変更取消"

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="versions")
    sequence = models.PositiveIntegerField("連番")
    kind = models.CharField("対象", max_length=12, choices=Kind.choices)
    content = models.JSONField("証書の内容", default=dict)
    pdf = models.FileField("PDF", upload_to="dsure/%Y/%m/", blank=True)
    # The document digest the PDF's e-seal signs (hex): 真正性確認 finds an uploaded copy by it.
    seal_digest = models.CharField("電子シールの文書ダイジェスト", max_length=64, blank=True, db_index=True)
    posted_at = models.DateTimeField("電子保証発行日時")

    class Meta:
        verbose_name = "掲載版"
        verbose_name_plural = "掲載版"
        constraints = [
            models.UniqueConstraint(fields=["certificate", "sequence"], name="dsure_unique_version_sequence"),
        ]
        ordering = ["certificate", "sequence"]

    def __str__(self):
        return f"{self.certificate.number} #{self.sequence} {self.get_kind_display()}"


class ReceivedPosting(models.Model):
    """A posting received from a surety company (dsure.entry), by its posting id: a retried posting is
    answered from here and neither stored nor logged twice."""

    posting_id = models.UUIDField("掲載ID", unique=True)
    issuer = models.CharField("保証会社", max_length=64)
    number = models.CharField("保証契約番号", max_length=12)
    kind = models.CharField("種別", max_length=16)
    posted_at = models.DateTimeField("掲載日時")

    class Meta:
        verbose_name = "受信した掲載"
        verbose_name_plural = "受信した掲載"

    def __str__(self):
        return f"{self.number} {self.kind} {self.posting_id}"


class LookupAttempt(models.Model):
    """Every lookup, successful or not: append-only, the basis of throttling and 閲覧履歴."""

    class Result(models.TextChoices):
        SUCCESS = "success", "閲覧"
        FAILURE = "failure", "不一致"
        BAD_NUMBER = "bad_number", "番号の形式誤り"
        THROTTLED = "throttled", "試行制限中"
        LOCKED = "locked", "ロック中"

    at = models.DateTimeField("日時", db_index=True)
    # Who asked: an official on the web page, or an e-contract system through the API (exactly one).
    official = models.ForeignKey(
        Official, on_delete=models.PROTECT, null=True, blank=True, related_name="lookups"
    )
    api_client = models.ForeignKey(
        "ApiClient",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="lookups",
        verbose_name="APIクライアント",
    )
    ip_address = models.GenericIPAddressField("IPアドレス", null=True, blank=True)
    number_typed = models.CharField("入力された番号", max_length=64)
    number = models.CharField("保証契約番号（正規化）", max_length=12, blank=True, db_index=True)
    result = models.CharField("結果", max_length=12, choices=Result.choices)
    certificate = models.ForeignKey(
        Certificate, on_delete=models.PROTECT, null=True, blank=True, related_name="lookups"
    )
    # Set on the failure that locked this number for this official (the 5th in a row): until when.
    locked_until = models.DateTimeField("この番号の照会停止期限", null=True, blank=True)

    class Meta:
        verbose_name = "照会記録"
        verbose_name_plural = "照会記録"
        indexes = [
            models.Index(fields=["official", "number", "at"]),
            models.Index(fields=["official", "at"]),
            models.Index(fields=["api_client", "number", "at"]),
            models.Index(fields=["api_client", "at"]),
            # The throttle's read of an actor's failures in the last hour: only the failures, however
            # many successes the actor made meanwhile (docs/performance.md).
            models.Index(
                fields=["official", "at"],
                condition=models.Q(result="failure"),
                name="lookup_official_failures",
            ),
            models.Index(
                fields=["api_client", "at"],
                condition=models.Q(result="failure"),
                name="lookup_client_failures",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(official__isnull=False, api_client__isnull=True)
                | models.Q(official__isnull=True, api_client__isnull=False),
                name="dsure_lookup_has_one_actor",
            ),
        ]
        ordering = ["-at"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor} {self.number_typed} {self.result}"

    @property
    def actor(self):
        """The official or the API client who asked."""
        return self.official if self.official_id is not None else self.api_client


class BodyCertificateView(models.Model):
    """When an official of a body last opened one of its certificates: the inbox's 「更新あり」 compares
    it with the certificate's latest posting. A read marker, overwritten on every view (the views
    themselves are in LookupAttempt and the audit trail)."""

    body = models.ForeignKey(Body, on_delete=models.CASCADE, related_name="+")
    certificate = models.ForeignKey(Certificate, on_delete=models.CASCADE, related_name="body_views")
    last_opened_at = models.DateTimeField("最終閲覧日時")

    class Meta:
        verbose_name = "発注者の閲覧状況"
        verbose_name_plural = "発注者の閲覧状況"
        constraints = [
            models.UniqueConstraint(
                fields=["body", "certificate"], name="dsure_unique_body_certificate_view"
            ),
        ]

    def __str__(self):
        return f"{self.body} {self.certificate} {self.last_opened_at:%Y-%m-%d %H:%M}"


class ApiClient(models.Model):
    """An ordering body's e-contract system, verifying certificates through the JSON API with a bearer
    token. Only the token's SHA-256 is kept: the token is shown once, when the client is created."""

    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="api_clients")
    name = models.CharField("名称", max_length=100)
    token_digest = models.CharField("トークンのダイジェスト", max_length=64, unique=True)
    created_at = models.DateTimeField("発行日時", default=timezone.now)
    revoked_at = models.DateTimeField("失効日時", null=True, blank=True)

    class Meta:
        verbose_name = "APIクライアント"
        verbose_name_plural = "APIクライアント"

    def __str__(self):
        return f"{self.name}（{self.body}）"


class CertificateEvent(models.Model):
    """Something the beneficiary body should hear of: a posting (変更, 訂正, 変更取消), a 取消, an
    approaching or passed 保証期限. Raised once (unique per certificate and `dedup_key`) and only for a
    certificate in the body's inbox. It is at once the body's notice in D-Sure and the message its
    webhooks carry: `payload` is frozen when the event is raised, so every attempt and every 再送 sends
    the same message under the same id."""

    class Kind(models.TextChoices):
        CHANGED = "changed", "変更"
        CORRECTED = "corrected", "訂正"
        CHANGE_CANCELLED = "change_cancelled", "変更取消"
        REVOKED = "revoked", "取消"
        EXPIRING_30 = "expiring_30", "保証期限まで30日以内"
        EXPIRING_7 = "expiring_7", "保証期限まで7日以内"
        EXPIRED = "expired", "期限切れ"

    # The Standard Webhooks message id (webhook-id) is derived from it: one event, one id.
    public_id = models.UUIDField("イベントID", default=uuid.uuid4, unique=True, editable=False)
    body = models.ForeignKey(Body, on_delete=models.PROTECT, related_name="events")
    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField("種別", max_length=20, choices=Kind.choices)
    # "version:7" for a posting, "revoked", "expiring_30:2027-03-19" for a 保証期限 (a 変更 that moves
    # the 保証期限 makes the reminders due again).
    dedup_key = models.CharField("重複防止キー", max_length=40)
    payload = models.JSONField("内容")
    occurred_at = models.DateTimeField("発生日時", default=timezone.now)

    class Meta:
        verbose_name = "通知イベント"
        verbose_name_plural = "通知イベント"
        constraints = [
            models.UniqueConstraint(fields=["certificate", "dedup_key"], name="dsure_unique_event"),
        ]
        indexes = [models.Index(fields=["body", "-occurred_at"])]
        ordering = ["-occurred_at", "-pk"]

    def __str__(self):
        return f"{self.certificate.number} {self.get_kind_display()}"

    @property
    def message_id(self) -> str:
        """webhook-id of every delivery of this event."""
        return f"msg_{self.public_id.hex}"


class NoticeRead(models.Model):
    """An official has opened a notice (the header's unread count leaves it out)."""

    official = models.ForeignKey(Official, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey(CertificateEvent, on_delete=models.CASCADE, related_name="reads")
    read_at = models.DateTimeField("既読日時", default=timezone.now)

    class Meta:
        verbose_name = "通知の既読"
        verbose_name_plural = "通知の既読"
        constraints = [
            models.UniqueConstraint(fields=["official", "event"], name="dsure_unique_notice_read"),
        ]

    def __str__(self):
        return f"{self.official} {self.event}"


class WebhookEndpoint(models.Model):
    """Where an API client (a body's e-contract system) wants events sent, signed per the Standard
    Webhooks specification with a `whsec_` secret that is shown once and kept encrypted."""

    api_client = models.ForeignKey(
        ApiClient, on_delete=models.PROTECT, related_name="webhook_endpoints", verbose_name="APIクライアント"
    )
    url = models.URLField("送信先URL", max_length=500)
    event_kinds = models.JSONField("通知する種別", default=list)
    secret_ciphertext = models.TextField("署名用シークレット（暗号化）")
    created_at = models.DateTimeField("登録日時", default=timezone.now)
    disabled_at = models.DateTimeField("停止日時", null=True, blank=True)

    class Meta:
        verbose_name = "Webhook送信先"
        verbose_name_plural = "Webhook送信先"

    def __str__(self):
        return f"{self.url}（{self.api_client}）"


class Delivery(models.Model):
    """One event to one recipient: an official's e-mail or a webhook endpoint (exactly one). Retried
    with backoff until it succeeds or is marked failed; each try is a DeliveryAttempt."""

    class State(models.TextChoices):
        PENDING = "pending", "送信待ち"
        DELIVERED = "delivered", "送信済み"
        FAILED = "failed", "失敗"

    event = models.ForeignKey(CertificateEvent, on_delete=models.PROTECT, related_name="deliveries")
    official = models.ForeignKey(
        Official, on_delete=models.CASCADE, null=True, blank=True, related_name="+", verbose_name="職員"
    )
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="deliveries",
        verbose_name="Webhook送信先",
    )
    state = models.CharField("状態", max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveSmallIntegerField("試行回数", default=0)
    next_attempt_at = models.DateTimeField("次回試行日時", default=timezone.now)
    delivered_at = models.DateTimeField("送信完了日時", null=True, blank=True)
    last_error = models.CharField("最後のエラー", max_length=200, blank=True)

    class Meta:
        verbose_name = "通知の送信"
        verbose_name_plural = "通知の送信"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(official__isnull=False, endpoint__isnull=True)
                | models.Q(official__isnull=True, endpoint__isnull=False),
                name="dsure_delivery_has_one_recipient",
            ),
            models.UniqueConstraint(fields=["event", "official"], name="dsure_unique_mail_delivery"),
            models.UniqueConstraint(fields=["event", "endpoint"], name="dsure_unique_webhook_delivery"),
        ]
        indexes = [models.Index(fields=["state", "next_attempt_at"])]

    def __str__(self):
        return f"{self.event} → {self.endpoint or self.official}"


class DeliveryAttempt(models.Model):
    """One try of a delivery: the attempt log the D-Sure operator reads in the admin."""

    delivery = models.ForeignKey(Delivery, on_delete=models.CASCADE, related_name="attempt_log")
    at = models.DateTimeField("日時")
    response_status = models.PositiveSmallIntegerField("応答ステータス", null=True, blank=True)
    error = models.CharField("エラー", max_length=200, blank=True)
    duration_ms = models.PositiveIntegerField("所要時間（ミリ秒）")

    class Meta:
        verbose_name = "送信試行"
        verbose_name_plural = "送信試行"
        ordering = ["at", "pk"]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.error or self.response_status or 'OK'}"

    @property
    def succeeded(self) -> bool:
        return not self.error


class LogEntry(models.Model):
    """One posting in D-Sure's transparency log (docs/transparency.md). `entry` is the public leaf:
    canonical JSON of the commitment, the kind, the issuer and the posting time, nothing else. The
    commitment is base64(SHA-256(salt ‖ posting)), the posting rebuilt from what D-Sure stores
    (dsure.transparency.posting_of), so that a posted version changed later no longer matches it.
    Written in the posting's own transaction, then put in the tree by the sequencer."""

    class Kind(models.TextChoices):
        NEW = "new", "新規"
        CHANGE = "change", "変更"
        CORRECTION = "correction", "訂正"
        CANCELLATION = "cancellation", "変更取消"
        REVOCATION = "revocation", "取消"
        KEY_REISSUE = "key_reissue", "認証キー再発行"

    certificate = models.ForeignKey(Certificate, on_delete=models.PROTECT, related_name="log_entries")
    # The version a 新規, 変更, 訂正 or 変更取消 posted; none for a 取消 or a key re-issue.
    posted_version = models.OneToOneField(
        PostedVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="log_entry"
    )
    kind = models.CharField("種類", max_length=12, choices=Kind.choices)
    posted_at = models.DateTimeField("掲載日時")
    salt = models.BinaryField("ソルト", max_length=32)
    entry = models.BinaryField("エントリ")

    class Meta:
        verbose_name = "透明性ログのエントリ"
        verbose_name_plural = "透明性ログのエントリ"

    def __str__(self):
        return f"{self.certificate_id} {self.kind} {self.posted_at:%Y-%m-%d %H:%M}"


class LogPending(models.Model):
    """Entries written but not yet in the tree: the sequencer takes and removes them."""

    entry = models.OneToOneField(LogEntry, on_delete=models.CASCADE, primary_key=True, related_name="+")

    def __str__(self):
        return f"pending {self.entry_id}"


class LogLeaf(models.Model):
    """An entry's index in the tree: 0, 1, 2 … with no gap, each entry once. Written by the sequencer."""

    index = models.PositiveBigIntegerField(primary_key=True)
    entry = models.OneToOneField(LogEntry, on_delete=models.PROTECT, related_name="leaf")

    def __str__(self):
        return f"#{self.index}"


class LogNode(models.Model):
    """The hash of a perfect subtree: level 0 are the leaf hashes, node (level, index) covers leaves
    index·2^level … (index+1)·2^level − 1. Any proof is read from O(log² n) of these."""

    pk = models.CompositePrimaryKey("level", "index")
    level = models.PositiveSmallIntegerField()
    index = models.PositiveBigIntegerField()
    hash = models.BinaryField(max_length=32)

    def __str__(self):
        return f"({self.level}, {self.index})"


class LogHead(models.Model):
    """The tree's one head row: its size. Only the sequencer locks it, never a writer: a second
    sequencer waits for it (up to dsure.transparency.HEAD_LOCK_TIMEOUT on PostgreSQL)."""

    SINGLETON = 1

    id = models.PositiveSmallIntegerField(primary_key=True, default=SINGLETON)
    size = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(id=1), name="dsure_single_log_head")]

    def __str__(self):
        return f"{self.size} entries"


class LogCheckpoint(models.Model):
    """A signed tree head: the C2SP tlog-checkpoint note the sequencer published for this size."""

    size = models.PositiveBigIntegerField("サイズ", primary_key=True)
    root_hash = models.BinaryField("ルートハッシュ", max_length=32)
    note = models.TextField("署名付きチェックポイント")
    published_at = models.DateTimeField("公開日時")

    class Meta:
        verbose_name = "チェックポイント"
        verbose_name_plural = "チェックポイント"

    def __str__(self):
        return f"{self.size}"
