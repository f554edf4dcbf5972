"""The surety company's side: reference data, guarantee contracts and their immutable documents.

`issuers` knows contracts, certificates, numbers, keys, documents and fees, not how they were applied
for (that is `netdesk`, which points at the contract issued for its request).
"""

import datetime
import uuid
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models

from common.formats import fee_rate


class Product(models.TextChoices):
    ADVANCE = "advance", "前払金保証"
    PERFORMANCE = "performance", "契約保証"
    INTERMEDIATE = "intermediate", "中間前払金保証"


# The products that guarantee an advance payment: a 保証期限 (not a 保証期間) and a 預託金融機関.
ADVANCE_PRODUCTS = (Product.ADVANCE, Product.INTERMEDIATE)


class CertificateFormat(models.TextChoices):
    PAPER = "paper", "証書(紙)"
    ELECTRONIC = "electronic", "電子保証(認証キーを含む)"


class SuretyCompany(models.Model):
    name = models.CharField("会社名", max_length=100)
    address = models.CharField("所在地", max_length=200)
    president_title = models.CharField("代表者役職", max_length=50, default="取締役社長")
    president_name = models.CharField("代表者氏名", max_length=50)

    class Meta:
        verbose_name = "保証会社"
        verbose_name_plural = "保証会社"

    def __str__(self):
        return self.name


class Branch(models.Model):
    company = models.ForeignKey(
        SuretyCompany, on_delete=models.PROTECT, related_name="branches", verbose_name="保証会社"
    )
    code = models.CharField(
        "支店コード",
        max_length=2,
        unique=True,
        validators=[RegexValidator(r"^\d{2}$", "支店コードは2桁の数字です。")],
        help_text="保証契約番号の先頭2桁になります。",
    )
    name = models.CharField("支店名", max_length=50, unique=True)
    tel = models.CharField("TEL", max_length=20)
    fax = models.CharField("FAX", max_length=20, blank=True)
    email = models.EmailField("メールアドレス", blank=True)
    address = models.CharField("所在地", max_length=200, blank=True)

    class Meta:
        verbose_name = "営業部・支店"
        verbose_name_plural = "営業部・支店"
        ordering = ["code"]

    def __str__(self):
        return self.name


DEFAULT_RECIPIENT = "工事の担当課"


class OrderingBody(models.Model):
    """An ordering body (発注者) and the rules of its guarantees, as data."""

    code = models.CharField(
        "団体コード",
        max_length=6,
        unique=True,
        validators=[RegexValidator(r"^\d{6}$", "団体コードは6桁の数字です。")],
    )
    name = models.CharField("発注者名", max_length=100)
    head_title = models.CharField("被保証者", max_length=100, help_text="例: 小谷村長、栃木県知事")
    prefecture = models.CharField("都道府県", max_length=10)
    esurety_start = models.DateField("電子保証開始日", null=True, blank=True)
    advance_ratio_limit = models.DecimalField(
        "前払金の割合の上限",
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.400"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text="小数で入力します（0.4 = 40% = 4割）。請負金額（今年度対象額があればその額）に対する前払金保証金額の上限。通常 0.4（4/10）。",
    )
    performance_ratio_min = models.DecimalField(
        "契約保証の割合の下限",
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.100"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text="小数で入力します（0.1 = 10% = 1割）。請負金額に対する契約保証金額の下限。通常 0.1（1/10）、低入札では 0.3（3/10）。",
    )
    # Submission rules (spec §10): how this body takes the 「認証キー」のお知らせ, and where to.
    key_notice_by_email = models.BooleanField("電子メール", default=True)
    key_notice_by_eapplication = models.BooleanField("電子申請システム", default=False)
    key_notice_by_econtract = models.BooleanField("電子契約システム", default=False)
    advance_recipient = models.CharField(
        "提出先（前払金保証）", max_length=100, blank=True, help_text="例: 会計課。空欄なら工事の担当課。"
    )
    performance_recipient = models.CharField(
        "提出先（契約保証）", max_length=100, blank=True, help_text="例: 契約検査課。空欄なら工事の担当課。"
    )
    paper_accepted = models.BooleanField(
        "紙の保証証書の受付",
        default=True,
        help_text="電子保証の開始後も紙の保証証書（証書(紙)）を受け付けるか。電子保証に対応しない発注者は常に受け付けます。",
    )
    submission_notes = models.TextField("提出に関する備考", blank=True)
    intermediate_recipient = models.CharField(
        "提出先（中間前払金保証）", max_length=100, blank=True, help_text="空欄なら工事の担当課。"
    )
    # 中間前金払 (the intermediate advance): whether this body pays one, and on which works.
    intermediate_paid = models.BooleanField(
        "中間前金払の実施",
        default=True,
        help_text="この発注者が中間前払金を支払うか。支払わない発注者には中間前払金保証を申し込めません。",
    )
    intermediate_ratio_limit = models.DecimalField(
        "中間前払金の割合の上限",
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.200"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text="小数で入力します（0.2 = 20% = 2割）。請負金額に対する中間前払金保証金額の上限。通常 0.2（2/10）。",
    )
    advance_total_ratio_limit = models.DecimalField(
        "前払金と中間前払金の合計の上限",
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.600"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text="小数で入力します（0.6 = 60% = 6割）。請負金額に対する前払金保証金額と中間前払金保証金額の合計の上限。通常 0.6（6/10）。",
    )
    intermediate_min_contract_amount = models.PositiveBigIntegerField(
        "中間前金払の対象となる請負金額（以上）",
        default=0,
        help_text="円。この額未満の工事には中間前金払をしない（例 国の工事: 10,000,000）。0 なら制限なし。",
    )
    intermediate_min_period_days = models.PositiveIntegerField(
        "中間前金払の対象となる工期（日以上）",
        default=0,
        help_text="工期がこの日数未満の工事には中間前金払をしない（例 国の工事: 150）。0 なら制限なし。",
    )

    class Meta:
        verbose_name = "発注者"
        verbose_name_plural = "発注者"
        ordering = ["code"]
        constraints = [
            # A body on 電子保証 takes the key notice somehow; a body without it must take paper.
            models.CheckConstraint(
                condition=models.Q(esurety_start__isnull=True)
                | models.Q(key_notice_by_email=True)
                | models.Q(key_notice_by_eapplication=True)
                | models.Q(key_notice_by_econtract=True),
                name="issuers_esurety_body_has_a_channel",
                violation_error_message="電子保証に対応する発注者は、「認証キー」のお知らせの提出方法を一つ以上選んでください。",
            ),
            models.CheckConstraint(
                condition=models.Q(esurety_start__isnull=False) | models.Q(paper_accepted=True),
                name="issuers_paper_only_body_accepts_paper",
                violation_error_message="電子保証に対応しない発注者は、紙の保証証書を受け付けます。",
            ),
        ]

    def __str__(self):
        return self.name

    @property
    def key_notice_channels(self) -> list[str]:
        """The channels for the 「認証キー」のお知らせ, in the leaflets' words and order."""
        return [
            field.verbose_name
            for field in (
                self._meta.get_field("key_notice_by_email"),
                self._meta.get_field("key_notice_by_eapplication"),
                self._meta.get_field("key_notice_by_econtract"),
            )
            if getattr(self, field.name)
        ]

    @property
    def key_notice_channels_text(self) -> str:
        """「電子メールか電子申請システム」: the channels as the leaflets write them in a sentence."""
        return "か".join(self.key_notice_channels)

    @property
    def advance_recipient_or_default(self) -> str:
        return self.advance_recipient or DEFAULT_RECIPIENT

    @property
    def performance_recipient_or_default(self) -> str:
        return self.performance_recipient or DEFAULT_RECIPIENT

    @property
    def intermediate_recipient_or_default(self) -> str:
        return self.intermediate_recipient or DEFAULT_RECIPIENT

    def accepts_esurety_on(self, day: datetime.date) -> bool:
        return self.esurety_start is not None and self.esurety_start <= day


class Clerk(models.Model):
    """A branch clerk: a staff user who works for one branch and sees only its applications."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clerk", verbose_name="利用者"
    )
    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, related_name="clerks", verbose_name="支店")

    class Meta:
        verbose_name = "支店担当者"
        verbose_name_plural = "支店担当者"

    def __str__(self):
        return f"{self.user.get_username()}（{self.branch}）"


class FeeRate(models.Model):
    """Guarantee-fee rates, editable. The real tariffs are not public: demo rates are illustrative."""

    product = models.CharField("商品", max_length=12, choices=Product.choices, unique=True)
    annual_rate = models.DecimalField(
        "年率",
        max_digits=7,
        decimal_places=5,
        help_text="小数で入力します（0.00300 = 0.3%）。保証金額に対する1年あたりの率。",
    )
    minimum_fee = models.PositiveIntegerField("最低保証料（円）")
    flat = models.BooleanField(
        "保証日数によらない定率",
        default=False,
        help_text="保証料 = 保証金額 × 率（年率ではなく、保証日数によらない）。中間前払金保証の料率。",
    )
    illustrative = models.BooleanField("説明用の料率（実際の料率ではない）", default=True)

    class Meta:
        verbose_name = "保証料率"
        verbose_name_plural = "保証料率"

    def __str__(self):
        return f"{self.get_product_display()} {fee_rate(self.annual_rate)}"


class ContractCounter(models.Model):
    """The last serial allocated in one number series (branch × product × fiscal year).

    Locked with select_for_update() inside the issuing transaction, so serials are gap-free: a
    rolled-back issue rolls its serial back too, which a database sequence would not.
    """

    branch = models.ForeignKey(Branch, on_delete=models.PROTECT, verbose_name="支店")
    product = models.CharField(max_length=12, choices=Product.choices)
    fiscal_year = models.PositiveIntegerField("年度")
    last_serial = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "保証契約番号の採番"
        verbose_name_plural = "保証契約番号の採番"
        constraints = [
            models.UniqueConstraint(fields=["branch", "product", "fiscal_year"], name="unique_number_series"),
            models.CheckConstraint(
                condition=models.Q(last_serial__lte=99999), name="serial_fits_five_digits"
            ),
        ]

    def __str__(self):
        return f"{self.branch_id}/{self.product}/{self.fiscal_year}: {self.last_serial}"


class ImmutableModel(models.Model):
    """Issued documents are never changed in place (pretix's Invoice): no update, no delete."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValidationError(f"{self._meta.verbose_name}は発行済みのため変更できません。")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValidationError(f"{self._meta.verbose_name}は発行済みのため削除できません。")


class GuaranteeContract(models.Model):
    """A guarantee contract (保証契約) identified by its 保証契約番号. Its content lives in its versions."""

    number = models.CharField("保証契約番号", max_length=12, unique=True)
    product = models.CharField("商品", max_length=12, choices=Product.choices)
    format = models.CharField("保証証書の形式", max_length=12, choices=CertificateFormat.choices)
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, related_name="contracts", verbose_name="取扱箇所"
    )
    ordering_body = models.ForeignKey(
        OrderingBody, on_delete=models.PROTECT, related_name="contracts", verbose_name="発注者"
    )
    issued_at = models.DateTimeField("発行日時")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="発行者"
    )
    # 取消: the whole contract withdrawn (not a 変更取消, which only drops a change). Its versions stay
    # as issued; the contract's status reads 取消 on every side from then on.
    revoked_at = models.DateTimeField("取消日時", null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="取消者",
    )
    revocation_reason = models.CharField("取消の理由", max_length=200, blank=True)

    class Meta:
        verbose_name = "保証契約"
        verbose_name_plural = "保証契約"
        ordering = ["-issued_at"]
        # Newest first is how every list reads contracts (Net Desk's 保証契約一覧 pages 20 of a company's
        # contracts by it): without it PostgreSQL sorts all of them per page (docs/performance.md).
        indexes = [
            models.Index(fields=["-issued_at", "-id"], name="contract_newest_first"),
            # The clerk's 発注者 filter: does the branch hold a contract for this body (one probe each).
            models.Index(fields=["branch", "ordering_body"], name="contract_branch_body"),
            # Which of a company's contracts are 取消 (Net Desk's 状態 filter): only the withdrawn ones,
            # few, instead of a scan of every contract for the rare revoked_at.
            models.Index(
                fields=["id"], condition=models.Q(revoked_at__isnull=False), name="contract_revoked"
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(revoked_at__isnull=True, revoked_by__isnull=True, revocation_reason="")
                | (
                    models.Q(revoked_at__isnull=False, revoked_by__isnull=False)
                    & ~models.Q(revocation_reason="")
                ),
                name="revoked_contract_has_who_and_why",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def is_electronic(self) -> bool:
        return self.format == CertificateFormat.ELECTRONIC


class CertificateVersion(ImmutableModel):
    """One posting of a contract's certificate: 新規, 変更N, 訂正 of the current one, or 変更取消.

    Rows are only ever added. Which rows the history shows, and which is current, follows from the
    rows in sequence order (common.certificates.visible_history).
    """

    class Kind(models.TextChoices):
        NEW = "new", "新規"
        CHANGE = "change", "変更"
        CORRECTION = "correction", "訂正"
        CANCELLATION = "cancellation", "変更取消"

    contract = models.ForeignKey(
        GuaranteeContract, on_delete=models.PROTECT, related_name="versions", verbose_name="保証契約"
    )
    sequence = models.PositiveIntegerField("連番")
    kind = models.CharField("対象", max_length=12, choices=Kind.choices)
    change_no = models.PositiveIntegerField("変更の発生番号", default=0)
    target = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="訂正・変更取消の対象となる版",
    )
    content = models.JSONField("証書の内容", default=dict)
    pdf = models.FileField("保証証書PDF", upload_to="certificates/%Y/%m/", blank=True)
    # The document digest the PDF's e-seal signs (hex): how an uploaded copy is recognised.
    seal_digest = models.CharField("電子シールの文書ダイジェスト", max_length=64, blank=True, db_index=True)
    issued_at = models.DateTimeField("発行日時")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="発行者"
    )

    class Meta:
        verbose_name = "保証証書の版"
        verbose_name_plural = "保証証書の版"
        ordering = ["contract", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "sequence"], name="unique_version_sequence"),
            models.CheckConstraint(
                condition=~models.Q(kind="new") | models.Q(sequence=1, change_no=0, target__isnull=True),
                name="new_is_first_version",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind__in=["correction", "cancellation"]) | models.Q(target__isnull=False),
                name="correction_and_cancellation_have_target",
            ),
        ]

    def __str__(self):
        return f"{self.contract.number} #{self.sequence} {self.get_kind_display()}"

    @property
    def posted_at(self) -> datetime.datetime | None:
        """電子保証発行日時: when D-Sure took this version, from its posting (select_related("posting")
        saves the query); None for a paper certificate and while the posting waits (掲載待ち)."""
        posting = getattr(self, "posting", None)
        return posting.posted_at if posting is not None else None


class KeyIssue(ImmutableModel):
    """A 認証キー handed to the contractor: encrypted at rest (Fernet), with its notice PDF.

    The latest row of a contract is its live key; a re-issue adds a row and kills the old key at once.
    """

    contract = models.ForeignKey(
        GuaranteeContract, on_delete=models.PROTECT, related_name="keys", verbose_name="保証契約"
    )
    sequence = models.PositiveIntegerField("連番")
    key_ciphertext = models.TextField("認証キー（暗号化）")
    notice_pdf = models.FileField("認証キーのお知らせPDF", upload_to="notices/%Y/%m/")
    issued_at = models.DateTimeField("発行日時")
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="発行者"
    )
    reason = models.CharField("理由", max_length=200, blank=True)

    class Meta:
        verbose_name = "認証キー"
        verbose_name_plural = "認証キー"
        ordering = ["contract", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["contract", "sequence"], name="unique_key_sequence"),
        ]

    def __str__(self):
        return f"{self.contract.number} 認証キー #{self.sequence}"


class FeeStatement(ImmutableModel):
    """保証料計算書: the fee computed at issue, or the 追加保証料 of a 変更 that raises the 保証金額 or moves the
    保証期限 later; with its PDF. No consumption tax."""

    contract = models.ForeignKey(
        GuaranteeContract, on_delete=models.PROTECT, related_name="fee_statements", verbose_name="保証契約"
    )
    version = models.OneToOneField(
        CertificateVersion,
        on_delete=models.PROTECT,
        related_name="fee_statement",
        verbose_name="保証証書の版",
    )
    guarantee_amount = models.PositiveBigIntegerField("保証金額")
    days = models.PositiveIntegerField("保証日数")
    annual_rate = models.DecimalField("年率", max_digits=7, decimal_places=5)
    minimum_fee = models.PositiveIntegerField("最低保証料")
    fee = models.PositiveBigIntegerField("保証料")
    illustrative = models.BooleanField("説明用の料率", default=True)
    pdf = models.FileField("保証料計算書PDF", upload_to="fees/%Y/%m/")
    issued_at = models.DateTimeField("発行日時")

    class Meta:
        verbose_name = "保証料計算書"
        verbose_name_plural = "保証料計算書"
        ordering = ["-issued_at"]

    def __str__(self):
        return f"{self.contract.number} 保証料計算書"


class ContractEvent(models.Model):
    """Append-only record of every state change of a contract: who, when, what."""

    class Action(models.TextChoices):
        ISSUE = "issue", "発行"
        CHANGE = "change", "変更"
        CORRECTION = "correction", "訂正"
        CANCELLATION = "cancellation", "変更取消"
        POST = "post", "D-Sureへ掲載"
        KEY_REISSUE = "key_reissue", "認証キー再発行"
        REVOCATION = "revocation", "取消"
        MAIL = "mail", "発行完了メール送信"

    contract = models.ForeignKey(
        GuaranteeContract, on_delete=models.PROTECT, related_name="events", verbose_name="保証契約"
    )
    action = models.CharField("操作", max_length=16, choices=Action.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField("日時")
    detail = models.CharField("内容", max_length=500, blank=True)

    class Meta:
        verbose_name = "保証契約の記録"
        verbose_name_plural = "保証契約の記録"
        ordering = ["contract", "at", "pk"]

    def __str__(self):
        return f"{self.contract.number} {self.get_action_display()}"


class OutboundMail(models.Model):
    """The e-mail outbox: written in the same transaction as the business change, delivered after.

    The task framework runs a task at most once, so it cannot be the only guarantee: a row stays due
    until it is sent, and `manage.py send_outbox` (the sweeper) retries what a crashed worker left,
    with backoff. dedup_key makes the same notice impossible to queue twice.
    """

    dedup_key = models.CharField("重複防止キー", max_length=100, unique=True)
    to = models.EmailField("宛先")
    subject = models.CharField("件名", max_length=200)
    body_text = models.TextField("本文")
    body_html = models.TextField("本文（HTML）", blank=True)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    attempts = models.PositiveIntegerField("送信試行回数", default=0)
    # Empty while held: the 発行完了 notice over HTTP waits until D-Sure has taken the 新規 posting.
    next_attempt_at = models.DateTimeField("次回送信予定", db_index=True, null=True, blank=True)
    sent_at = models.DateTimeField("送信日時", null=True, blank=True)
    last_error = models.CharField("最後のエラー", max_length=300, blank=True)

    class Meta:
        verbose_name = "送信メール"
        verbose_name_plural = "送信メール"
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.subject} → {self.to}"


class DsurePosting(models.Model):
    """A posting to D-Sure (issuers.postings): written in the issuing transaction and sent through
    issuers.dsure_client. Embedded, it is sent at once in that transaction; with DSURE_URL it is sent
    after commit and retried with backoff until D-Sure answers, so an issue never fails because D-Sure
    is down (its version shows 掲載待ち meanwhile). A contract's postings reach D-Sure in order."""

    posting_id = models.UUIDField("掲載ID", default=uuid.uuid4, unique=True, editable=False)
    contract = models.ForeignKey(
        GuaranteeContract, on_delete=models.PROTECT, related_name="postings", verbose_name="保証契約"
    )
    version = models.OneToOneField(
        CertificateVersion, on_delete=models.PROTECT, null=True, blank=True, related_name="posting"
    )
    kind = models.CharField("種別", max_length=16)
    # The wire posting without the PDF (read from the version) and without the key.
    payload = models.JSONField("内容", default=dict)
    # The 認証キー handed to D-Sure at 新規 and re-issue (Fernet); emptied once D-Sure has it.
    key_ciphertext = models.TextField("認証キー（暗号化）", blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("作成日時")
    attempts = models.PositiveIntegerField("送信試行回数", default=0)
    next_attempt_at = models.DateTimeField("次回送信予定", db_index=True)
    posted_at = models.DateTimeField("掲載日時", null=True, blank=True)
    # D-Sure refused it for good (a 4xx: malformed, or contradicting what it has); never retried on its
    # own, and the contract's later postings wait behind it (docs/operations.md).
    refused_at = models.DateTimeField("掲載拒否日時", null=True, blank=True)
    last_error = models.CharField("最後のエラー", max_length=300, blank=True)

    class Meta:
        verbose_name = "D-Sureへの掲載"
        verbose_name_plural = "D-Sureへの掲載"
        ordering = ["contract", "pk"]

    def __str__(self):
        return f"{self.contract.number} {self.kind}"
