"""Net Desk (インターネット保証サービス): contractor companies, their users and their applications.

An application (保証申込) is a draft row the contractor fills in over several visits; it holds one
ProductRequest per product (前払金保証, 契約保証, and later 中間前払金保証 on the same work), each with its own 手続状況 and, once issued, a
pointer to the guarantee contract `issuers` issued for it.
"""

import uuid
from dataclasses import dataclass

from django.conf import settings
from django.db import models

from issuers import amendments
from issuers.models import Branch, CertificateFormat, GuaranteeContract, OrderingBody, Product


class Company(models.Model):
    """A contractor (受注者) company using Net Desk."""

    name = models.CharField("会社名", max_length=100)
    address = models.CharField("所在地", max_length=200)
    representative = models.CharField("代表者", max_length=100, help_text="例: 代表取締役 山田 太郎")

    class Meta:
        verbose_name = "受注者（会社）"
        verbose_name_plural = "受注者（会社）"

    def __str__(self):
        return self.name


class Member(models.Model):
    """A contractor's user: belongs to exactly one company and sees only its applications."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="member", verbose_name="利用者"
    )
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="members", verbose_name="会社"
    )

    class Meta:
        verbose_name = "受注者の利用者"
        verbose_name_plural = "受注者の利用者"

    def __str__(self):
        return f"{self.user.get_username()}（{self.company}）"


class Status(models.TextChoices):
    """手続状況 of one product request."""

    DRAFT = "draft", "作成中"
    SUBMITTED = "submitted", "申込済"
    REVIEWING = "reviewing", "審査中"
    ISSUED = "issued", "発行済"
    RETURNED = "returned", "差戻し"
    WITHDRAWN = "withdrawn", "取下げ"


# The contractor may change and send it again.
EDITABLE_STATUSES = (Status.DRAFT, Status.RETURNED)
# 受付中: sent and not yet decided; the branch may start its review, return it or issue it.
OPEN_STATUSES = (Status.SUBMITTED, Status.REVIEWING)
# What the clerk's home counts as open work (netdesk.selectors.branch_workload).
OPEN_WORK = (Status.SUBMITTED, Status.REVIEWING, Status.RETURNED)
# The products of an application's own draft and 送信. The 中間前払金保証 joins the application later, on
# its issued 前払金保証, and is applied for, sent and returned on its own (services.intermediate_submit).
DRAFT_PRODUCTS = (Product.ADVANCE, Product.PERFORMANCE)


@dataclass(frozen=True)
class ApplicationState:
    """Where an application stands, read from its product requests' 手続状況: the one definition of
    each rule that services enforce and pages show (templates get these booleans, never a status)."""

    submitted: bool  # 送信 at least once
    statuses: tuple[str, ...]  # of every product request
    requested: tuple[str, ...]  # of the requested ones

    @classmethod
    def of(cls, application: "Application", products) -> "ApplicationState":
        products = [p for p in products if p.product in DRAFT_PRODUCTS]
        return cls(
            submitted=application.submitted_at is not None,
            statuses=tuple(p.status for p in products),
            requested=tuple(p.status for p in products if p.requested),
        )

    @property
    def editable(self) -> bool:
        """The contractor may change it: every requested product is 作成中 or 差戻し."""
        return all(status in EDITABLE_STATUSES for status in self.requested)

    @property
    def sent(self) -> bool:
        """送信済み: products are requested and none of them is editable."""
        return bool(self.requested) and not any(status in EDITABLE_STATUSES for status in self.requested)

    @property
    def draft(self) -> bool:
        """下書き: never sent; its company may delete it."""
        return not self.submitted and all(status == Status.DRAFT for status in self.statuses)

    @property
    def returned(self) -> bool:
        return Status.RETURNED in self.requested

    @property
    def withdrawable(self) -> bool:
        """取下げ: only while every requested product is 申込済 (before the branch starts its review)."""
        return bool(self.requested) and all(status == Status.SUBMITTED for status in self.requested)

    @property
    def withdrawn(self) -> bool:
        return bool(self.requested) and all(status == Status.WITHDRAWN for status in self.requested)

    @property
    def review_started(self) -> bool:
        return any(status in (Status.REVIEWING, Status.ISSUED) for status in self.requested)

    @property
    def open_for_review(self) -> bool:
        """A requested product is 受付中: the branch may review, return or issue it."""
        return any(status in OPEN_STATUSES for status in self.requested)


class Application(models.Model):
    """保証申込: one application for one work, for one or both products."""

    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="applications", verbose_name="受注者（会社）"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="作成者"
    )
    # Set by the form the contractor opened, so a double POST of "new" finds the same draft.
    client_token = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField("作成日時", auto_now_add=True)
    updated_at = models.DateTimeField("更新日時", auto_now=True)
    submitted_at = models.DateTimeField("申込日時", null=True, blank=True)

    # 請負工事の情報
    work_name = models.CharField("工事名", max_length=200, blank=True)
    work_location = models.CharField("工事場所", max_length=200, blank=True)
    ordering_body = models.ForeignKey(
        OrderingBody, on_delete=models.PROTECT, null=True, blank=True, verbose_name="発注者"
    )
    contract_amount = models.PositiveBigIntegerField("請負金額", null=True, blank=True)
    period_start = models.DateField("工期（開始日）", null=True, blank=True)
    period_end = models.DateField("工期（終了日）", null=True, blank=True)
    contract_date = models.DateField("請負契約日", null=True, blank=True)
    advance_planned = models.BooleanField("前払金の予定", null=True, blank=True)
    jv_name = models.CharField("JV名", max_length=200, blank=True)
    contractor_address = models.CharField("保証契約者（住所）", max_length=200, blank=True)
    contractor_name = models.CharField("保証契約者（名称）", max_length=200, blank=True)

    # インフォメーション
    branch = models.ForeignKey(
        Branch, on_delete=models.PROTECT, null=True, blank=True, verbose_name="申込送信先"
    )
    notify_issued = models.BooleanField("電子保証発行完了のお知らせ", null=True, blank=True)
    email = models.EmailField("メールアドレス", blank=True)
    contact_department = models.CharField("担当部署", max_length=100, blank=True)
    contact_title = models.CharField("役職", max_length=100, blank=True)
    contact_person = models.CharField("担当者名", max_length=100, blank=True)
    contact_phone = models.CharField("連絡先電話番号", max_length=30, blank=True)
    message_to_company = models.TextField("お客様から弊社への連絡事項", blank=True)
    notice_from_company = models.TextField("弊社からお客様へのお知らせ", blank=True)

    class Meta:
        verbose_name = "保証申込"
        verbose_name_plural = "保証申込"
        ordering = ["-updated_at"]
        # 保証契約一覧's 発注者 filter asks, per ordering body, whether the company has a contract for it:
        # one index probe each instead of joining all of the company's applications (docs/performance.md).
        # 保証申込's list: the company's applications, newest change first, a page at a time.
        indexes = [
            models.Index(fields=["company", "ordering_body"], name="application_company_body"),
            models.Index(fields=["company", "-updated_at", "-id"], name="application_company_newest"),
            # The clerk's 発注者 filter: does the branch have an application for this body (one probe each).
            models.Index(fields=["branch", "ordering_body"], name="application_branch_body"),
        ]

    def __str__(self):
        return self.work_name or f"申込 {self.pk}"


class ProductRequest(models.Model):
    """One product of an application (前払金保証, 契約保証 or 中間前払金保証) with its own 手続状況.

    The 中間前払金保証 is applied for later, from the issued 前払金保証 of the same application (the
    same work): it has its own form and its own 申込 (netdesk.services.intermediate_submit).
    """

    class Redeposit(models.TextChoices):
        NOT_USED = "not_used", "再預託を利用しない"
        USED = "used", "再預託を利用する"

    class PaymentMethod(models.TextChoices):
        LUMP_SUM = "lump_sum", "一括納付"

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="products", verbose_name="保証申込"
    )
    # The application's company, copied so that a company's lists read their own rows through one index
    # instead of joining every application (docs/performance.md). Set by save() from the application;
    # on PostgreSQL a foreign key on (application, company) to the application's (id, company) refuses
    # any other value (netdesk/migrations/0008).
    company = models.ForeignKey(
        Company, on_delete=models.PROTECT, related_name="+", db_index=False, editable=False
    )
    product = models.CharField("商品", max_length=12, choices=Product.choices)
    requested = models.BooleanField("申し込む", default=False)
    status = models.CharField("手続状況", max_length=12, choices=Status.choices, default=Status.DRAFT)
    format = models.CharField(
        "保証証書の形式について", max_length=12, choices=CertificateFormat.choices, blank=True
    )
    this_year_amount = models.PositiveBigIntegerField("今年度対象額", null=True, blank=True)
    guarantee_amount = models.PositiveBigIntegerField("保証金額", null=True, blank=True)
    deposit_bank = models.CharField("預託金融機関(全角)", max_length=100, blank=True)
    redeposit = models.CharField("再預託利用区分", max_length=12, choices=Redeposit.choices, blank=True)
    payment_method = models.CharField(
        "保証料支払方法", max_length=12, choices=PaymentMethod.choices, blank=True
    )
    fee_billing_to = models.CharField("保証料請求先", max_length=200, blank=True)
    fee_statement_paper = models.BooleanField("保証料計算書(紙)について", null=True, blank=True)
    # 中間前払金保証 only: the ordering body's 中間前金払の認定, as the body issues it (a date and a
    # number, or the 認定調書 itself).
    certification_date = models.DateField("認定日", null=True, blank=True)
    certification_number = models.CharField("認定番号", max_length=50, blank=True)
    certification_document = models.FileField(
        "認定調書", upload_to="certifications/%Y/%m/", blank=True, max_length=200
    )
    contract = models.OneToOneField(
        GuaranteeContract,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="保証契約",
    )

    class Meta:
        verbose_name = "保証商品の申込"
        verbose_name_plural = "保証商品の申込"
        ordering = ["application", "product"]
        constraints = [
            models.UniqueConstraint(fields=["application", "product"], name="one_request_per_product"),
            models.CheckConstraint(
                condition=~models.Q(status="issued") | models.Q(contract__isnull=False),
                name="issued_request_has_contract",
            ),
        ]
        indexes = [
            # 保証契約一覧 and its count, 保証料計算書一覧's contracts: the company's contracts, newest first.
            models.Index(
                fields=["company", "-contract"],
                condition=models.Q(contract__isnull=False),
                name="request_company_contracts",
            ),
            # The clerk's home counts: only the requests waiting for someone, whatever the history.
            models.Index(
                fields=["status", "application"],
                condition=models.Q(requested=True, status__in=OPEN_WORK),
                name="request_open_work",
            ),
        ]

    def __str__(self):
        return f"{self.application} {self.get_product_display()}"

    def save(self, *args, **kwargs):
        if self.company_id is None and self.application_id is not None:
            self.company_id = self.application.company_id
        super().save(*args, **kwargs)

    @property
    def is_advance(self) -> bool:
        return self.product == Product.ADVANCE

    @property
    def is_open(self) -> bool:
        """受付中 (申込済 or 審査中): the branch may issue or return it."""
        return self.status in OPEN_STATUSES

    @property
    def is_editable(self) -> bool:
        """作成中 or 差戻し: its contractor may change it and send it (again)."""
        return self.status in EDITABLE_STATUSES

    @property
    def is_withdrawable(self) -> bool:
        """取下げ: 申込済 only, before the branch starts its review (as ApplicationState.withdrawable)."""
        return self.status == Status.SUBMITTED

    @property
    def may_send(self) -> bool:
        """Its contractor may send it (again): editable, or withdrawn (a 中間前払金保証 taken back may be
        applied for anew on the same work; there is one request row per product)."""
        return self.is_editable or self.status == Status.WITHDRAWN

    @property
    def is_returned(self) -> bool:
        return self.status == Status.RETURNED

    @property
    def shows_status(self) -> bool:
        """Its 手続状況 means something to the contractor: requested, or moved on from 作成中 with the rest."""
        return self.requested or self.status != Status.DRAFT

    @property
    def is_amendable(self) -> bool:
        """Issued and not withdrawn (取消): its contractor may apply for a 変更."""
        return self.status == Status.ISSUED and self.contract is not None and self.contract.revoked_at is None

    @property
    def status_label(self) -> str:
        """手続状況 as the pages show it: a paper certificate's 発行済 says it goes by post (spec §4)."""
        if self.status == Status.ISSUED and self.format == CertificateFormat.PAPER:
            return "発行済（郵送）"
        return self.get_status_display()


class ApplicationEvent(models.Model):
    """Append-only trail of every status change of an application or one of its product requests."""

    application = models.ForeignKey(
        Application, on_delete=models.CASCADE, related_name="events", verbose_name="保証申込"
    )
    product_request = models.ForeignKey(
        ProductRequest, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    action = models.CharField("操作", max_length=30)
    from_status = models.CharField("変更前", max_length=12, choices=Status.choices, blank=True)
    to_status = models.CharField("変更後", max_length=12, choices=Status.choices, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="操作者"
    )
    at = models.DateTimeField("日時", auto_now_add=True)
    message = models.TextField("内容", blank=True)

    class Meta:
        verbose_name = "申込の記録"
        verbose_name_plural = "申込の記録"
        ordering = ["application", "at", "pk"]

    def __str__(self):
        return f"{self.application} {self.action}"


def _changed(term: str) -> str:
    return f"変更後の{amendments.LABELS[term]}"


# The terms a contractor may apply to change; 工事場所 is not one of them (the branch corrects it: 訂正).
AMENDABLE_TERMS = tuple(term for term in amendments.TERMS if term != "work_location")


class AmendmentRequest(models.Model):
    """変更の申込: the contractor asks for a 変更 of an issued contract. Blank fields stay unchanged.

    Per note (注)2 on the certificate, a change of 請負金額 alone needs no amendment; per Q5, the
    format of an amendment is the contract's own (electronic stays electronic).
    """

    product_request = models.ForeignKey(
        ProductRequest, on_delete=models.PROTECT, related_name="amendments", verbose_name="保証商品の申込"
    )
    client_token = models.UUIDField(unique=True, default=uuid.uuid4, editable=False)
    status = models.CharField("手続状況", max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    format = models.CharField("保証証書の形式について", max_length=12, choices=CertificateFormat.choices)
    guarantee_amount = models.PositiveBigIntegerField(_changed("guarantee_amount"), null=True, blank=True)
    contract_amount = models.PositiveBigIntegerField(_changed("contract_amount"), null=True, blank=True)
    period_start = models.DateField(_changed("period_start"), null=True, blank=True)
    period_end = models.DateField(_changed("period_end"), null=True, blank=True)
    work_name = models.CharField(_changed("work_name"), max_length=200, blank=True)
    deposit_bank = models.CharField(_changed("deposit_bank"), max_length=100, blank=True)
    contract_date = models.DateField(_changed("contract_date"), null=True, blank=True)
    contractor_address = models.CharField(_changed("contractor_address"), max_length=200, blank=True)
    contractor_name = models.CharField(_changed("contractor_name"), max_length=200, blank=True)
    reason = models.TextField("変更の理由", blank=True)
    # The current value of each changed term when the contractor applied, frozen: the clerk reads 変更前
    # → 変更後 as it was asked for, whatever happens to the contract later (another 変更, a 訂正).
    before = models.JSONField("変更前の内容", default=dict, blank=True, editable=False)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="申込者"
    )
    requested_at = models.DateTimeField("申込日時", auto_now_add=True)
    notice_from_company = models.TextField("弊社からお客様へのお知らせ", blank=True)
    version = models.OneToOneField(
        "issuers.CertificateVersion",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="発行した変更",
    )

    class Meta:
        verbose_name = "変更の申込"
        verbose_name_plural = "変更の申込"
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="issued") | models.Q(version__isnull=False),
                name="issued_amendment_has_version",
            ),
        ]

    def __str__(self):
        return f"{self.product_request} 変更の申込 {self.pk}"

    @property
    def is_open(self) -> bool:
        """受付中 (申込済 or 審査中): the branch may issue or return it."""
        return self.status in OPEN_STATUSES

    @property
    def terms(self) -> amendments.Amendment:
        """The terms this request changes, as the issuer takes them."""
        return amendments.Amendment.from_values({term: getattr(self, term) for term in AMENDABLE_TERMS})

    @property
    def shown_changes(self) -> list[tuple[str, str]]:
        """(label, new value as printed) for each changed term."""
        return [
            (amendments.LABELS[term], amendments.shown(term, value))
            for term, value in self.terms.changes().items()
        ]
