"""The branch clerks' queue of Net Desk applications sent to their branch: review (審査中), return
(差戻し, with 弊社からお客様へのお知らせ) and issue (発行) per product request. Every button calls
netdesk.services, which calls issuers.services to issue."""

import logging
from typing import NamedTuple

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from accounts.audited_admin import AuditedAdmin
from common.admin import CappedCount, ReadOnlyInline, RelatedExistsListFilter
from common.formats import kanji_number, wareki, yen
from common.http import pdf_response
from issuers import amendments
from issuers import selectors as issuers_selectors
from issuers.admin import BranchScopedAdmin, CsvExport, GuaranteeContractAdmin
from issuers.documents import fee_statement
from issuers.models import CertificateFormat, FeeRate, GuaranteeContract, Product
from netdesk import services
from netdesk.models import (
    OPEN_STATUSES,
    AmendmentRequest,
    Application,
    ApplicationEvent,
    ApplicationState,
    Company,
    Member,
    ProductRequest,
    Status,
)

logger = logging.getLogger(__name__)

# The name of the confirmation page's 発行する button: a POST without it issues nothing.
CONFIRM = "confirm_issue"
UNEXPECTED_FAILURE = "システムの障害のため発行できませんでした。時間をおいて再度お試しください。"


FORMAT_SHORT = {CertificateFormat.PAPER: "紙", CertificateFormat.ELECTRONIC: "電子"}


def yes_no(value: bool | None, yes: str, no: str) -> str:
    """A yes/no answer in the form's own words (Django shows an icon whose text is "True")."""
    return "—" if value is None else yes if value else no


class IssueResult(NamedTuple):
    product_request: ProductRequest
    number: str | None
    failure: str


class OpenWorkStatusFilter(admin.SimpleListFilter):
    """手続状況, opening on the open work (申込済 + 審査中): what the clerk has to do, not every row ever.
    「すべて」 is a value of its own (all), since no value at all means the open work."""

    title = "手続状況"
    parameter_name = "status"
    OPEN, ALL = "open", "all"

    def lookups(self, request, model_admin):
        statuses = [(s.value, s.label) for s in Status if s != Status.DRAFT]
        return [(self.OPEN, "受付中（申込済・審査中）"), *statuses, (self.ALL, "すべて")]

    def value(self):
        return super().value() or self.OPEN

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {
                "selected": self.value() == str(lookup),
                "query_string": changelist.get_query_string({self.parameter_name: lookup}),
                "display": title,
            }

    def statuses(self):
        """The statuses chosen, or None for すべて."""
        value = self.value()
        if value == self.ALL:
            return None
        return OPEN_STATUSES if value == self.OPEN else [value]

    def queryset(self, request, queryset):
        statuses = self.statuses()
        return queryset if statuses is None else queryset.filter(status__in=statuses)


class ProductStatusFilter(OpenWorkStatusFilter):
    """An application is in a 手続状況 when one of its requested products is."""

    def queryset(self, request, queryset):
        statuses = self.statuses()
        if statuses is None:
            return queryset
        requests = ProductRequest.objects.filter(
            application=OuterRef("pk"), requested=True, status__in=statuses
        )
        return queryset.filter(Exists(requests))


class ProductFilter(admin.SimpleListFilter):
    title = "商品"
    parameter_name = "product"

    def lookups(self, request, model_admin):
        return Product.choices

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(products__requested=True, products__product=self.value()).distinct()
        return queryset


class ProductRequestInline(ReadOnlyInline):
    model = ProductRequest
    fields = [
        "product",
        "status",
        "format",
        "guarantee_amount_yen",
        "this_year_amount_yen",
        "deposit_bank",
        "redeposit",
        "payment_method",
        "fee_billing_to",
        "fee_statement_paper_label",
        "certification",
        "contract",
    ]
    readonly_fields = fields

    @admin.display(description="中間前金払の認定")
    def certification(self, product_request):
        """The 認定 of a 中間前払金保証 as the contractor gave it; the 認定調書 through a scoped download."""
        if product_request.product != Product.INTERMEDIATE:
            return "—"
        parts = []
        if product_request.certification_date:
            parts.append(f"認定日 {wareki(product_request.certification_date)}")
        if product_request.certification_number:
            parts.append(f"認定番号 {product_request.certification_number}")
        text = "・".join(parts) or "—"
        if not product_request.certification_document:
            return text
        url = reverse(
            "admin:netdesk_application_certification",
            args=[product_request.application_id, product_request.pk],
        )
        return format_html('{}<br><a href="{}">認定調書（PDF）</a>', text, url)

    @admin.display(description="保証料計算書(紙)について")
    def fee_statement_paper_label(self, product_request):
        return yes_no(product_request.fee_statement_paper, "希望する", "希望しない")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(requested=True).select_related("contract")

    @admin.display(description="保証金額")
    def guarantee_amount_yen(self, product_request):
        return yen(product_request.guarantee_amount)

    @admin.display(description="今年度対象額")
    def this_year_amount_yen(self, product_request):
        return yen(product_request.this_year_amount) or "—"


class EventInline(ReadOnlyInline):
    model = ApplicationEvent
    fields = ["at", "action", "product", "from_status", "to_status", "by", "message"]
    readonly_fields = fields

    @admin.display(description="商品")
    def product(self, event):
        return event.product_request.get_product_display() if event.product_request_id else "—"

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("by", "product_request")


class ReturnForm(forms.Form):
    message = forms.CharField(
        label="弊社からお客様へのお知らせ",
        error_messages={"required": "差戻しの理由（弊社からお客様へのお知らせ）を入力してください。"},
        widget=forms.Textarea(attrs={"rows": 5, "cols": 70}),
        max_length=2000,
        help_text="差戻しの理由と修正していただきたい点を記入してください。お客様の申込画面に表示されます。",
    )


@admin.register(Application)
class ApplicationAdmin(CappedCount, CsvExport, BranchScopedAdmin):
    """Applications sent to the clerk's branch, drafts excluded. Read-only: clerks act through the
    buttons (services), never by editing the contractor's data."""

    list_display = ["work_name", "company", "ordering_body", "product_statuses", "submitted_on"]
    ordering = ["submitted_at", "pk"]  # the oldest work first
    list_filter = [
        ProductStatusFilter,
        ProductFilter,
        ("ordering_body", RelatedExistsListFilter),
        "submitted_at",
    ]
    list_select_related = ["company", "ordering_body", "branch"]
    search_fields = ["work_name", "company__name", "products__contract__number"]
    search_help_text = (
        "工事名・受注者・保証契約番号で検索できます（全角・半角、ハイフンの有無を問いません）。"
    )
    inlines = [ProductRequestInline, EventInline]
    change_form_template = "admin/netdesk/application/change_form.html"
    actions = ["mark_reviewing", "issue_all"]
    fieldsets = [
        (
            "請負工事の情報",
            {
                "fields": [
                    "company",
                    "work_name",
                    "work_location",
                    "ordering_body",
                    "contract_amount_yen",
                    ("period_start", "period_end"),
                    "contract_date",
                    "advance_planned_label",
                    "jv_name",
                    "contractor_address",
                    "contractor_name",
                ]
            },
        ),
        (
            "インフォメーション",
            {
                "fields": [
                    "branch",
                    "notify_label",
                    "email",
                    "contact_department",
                    "contact_title",
                    "contact_person",
                    "contact_phone",
                    "message_to_company",
                    "notice_from_company",
                ]
            },
        ),
        ("記録", {"fields": ["created_by", "created_at", "submitted_at"]}),
    ]

    def get_queryset(self, request):
        requests = ProductRequest.objects.filter(requested=True).order_by("product")
        return (
            super()
            .get_queryset(request)
            .filter(submitted_at__isnull=False)
            .prefetch_related(Prefetch("products", queryset=requests, to_attr="requested_products"))
        )

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in Application._meta.fields] + [
            "created_by",
            "contract_amount_yen",
            "advance_planned_label",
            "notify_label",
        ]

    @admin.display(description="前払金の予定")
    def advance_planned_label(self, application):
        return yes_no(application.advance_planned, "あり", "なし")

    @admin.display(description="電子保証発行完了のお知らせ")
    def notify_label(self, application):
        return yes_no(application.notify_issued, "希望する", "希望しない")

    @admin.display(description="請負金額")
    def contract_amount_yen(self, application):
        return yen(application.contract_amount)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["open_for_review"] = (
            obj is not None and ApplicationState.of(obj, obj.requested_products).open_for_review
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    @admin.display(description="商品・形式・手続状況")
    def product_statuses(self, application):
        return format_html_join(
            mark_safe("<br>"),
            "{}（{}）: {}",
            (
                (r.get_product_display(), FORMAT_SHORT.get(r.format, "—"), r.status_label)
                for r in application.requested_products
            ),
        )

    @admin.display(description="申込日", ordering="submitted_at")
    def submitted_on(self, application):
        return timezone.localdate(application.submitted_at) if application.submitted_at else None

    # -- buttons on the review page -----------------------------------------------------------------

    def get_urls(self):
        own = [
            path(
                "<id:pk>/review/",
                self.admin_site.admin_view(self.review_view),
                name="netdesk_application_review",
            ),
            path(
                "<id:pk>/return/",
                self.admin_site.admin_view(self.return_view),
                name="netdesk_application_return",
            ),
            path(
                "<id:pk>/certification/<id:request_pk>/",
                self.admin_site.admin_view(self.certification_view),
                name="netdesk_application_certification",
            ),
            path(
                "<id:pk>/issue/<id:request_pk>/",
                self.admin_site.admin_view(self.issue_view),
                name="netdesk_application_issue",
            ),
        ]
        return own + super().get_urls()

    def _application(self, request, pk) -> Application:
        if not self.has_change_permission(request):
            raise PermissionDenied
        return get_object_or_404(self.get_queryset(request), pk=pk)

    def _back(self, application):
        return redirect(reverse("admin:netdesk_application_change", args=[application.pk]))

    def review_view(self, request, pk):
        application = self._application(request, pk)
        if request.method != "POST":
            return self._back(application)
        self._run(
            request,
            lambda: services.application_review_start(application=application, by=request.user),
            "審査中にしました。",
        )
        return self._back(application)

    def return_view(self, request, pk):
        application = self._application(request, pk)
        form = ReturnForm(request.POST or None, initial={"message": application.notice_from_company})
        if request.method == "POST" and form.is_valid():
            done = self._run(
                request,
                lambda: services.application_return(
                    application=application, by=request.user, message=form.cleaned_data["message"]
                ),
                "差戻しました。お客様は申込を修正して再度送信できます。",
            )
            if done:
                return self._back(application)
        context = {
            **self.admin_site.each_context(request),
            "title": f"差戻し: {application}",
            "original": application,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/netdesk/return.html", context)

    def certification_view(self, request, pk, request_pk):
        """The 認定調書 a contractor attached to a 中間前払金保証, for the branch it was sent to only."""
        application = self._application(request, pk)
        product_request = get_object_or_404(
            application.products.all(), pk=request_pk, product=Product.INTERMEDIATE
        )
        return pdf_response(product_request.certification_document, f"certification-{product_request.pk}.pdf")

    def issue_view(self, request, pk, request_pk):
        """発行 opens a confirmation page; only its 発行する (a POST with CONFIRM) issues."""
        application = self._application(request, pk)
        product_request = get_object_or_404(
            application.products.select_related("contract"), pk=request_pk, requested=True
        )
        if request.method == "POST" and CONFIRM in request.POST:
            self._issue(request, product_request)
            return self._back(application)
        preview = services.product_request_preview(product_request=product_request)
        context = {
            **self.admin_site.each_context(request),
            "title": f"{product_request.get_product_display()}の発行の確認",
            "original": application,
            "product_request": product_request,
            "preview": preview,
            "fee_rows": fee_statement.rows(preview.fee) if preview.fee else [],
            "fee_computation": fee_statement.computation(preview.fee) if preview.fee else "",
            "opts": self.model._meta,
            "confirm": CONFIRM,
        }
        return TemplateResponse(request, "admin/netdesk/application/issue_confirm.html", context)

    # -- list actions -------------------------------------------------------------------------------

    @admin.action(description="選択された申込を審査中にする", permissions=["change"])
    def mark_reviewing(self, request, queryset):
        for application in queryset:
            self._run(
                request,
                lambda a=application: services.application_review_start(application=a, by=request.user),
                f"{application}: 審査中にしました。",
            )

    @admin.action(description="選択された申込を発行する", permissions=["change"])
    def issue_all(self, request, queryset):
        """Confirm first (what each row would issue), then issue what was confirmed, each product
        request in its own transaction, and show what was issued and what failed, with the reason."""
        applications = queryset.select_related("branch__company", "ordering_body").order_by("submitted_at")
        requests = [r for a in applications for r in a.requested_products]
        if CONFIRM in request.POST:
            confirmed = set(request.POST.getlist("request"))
            chosen = [r for r in requests if str(r.pk) in confirmed]
            results = [self._issue_one(request, r) for r in chosen]
            return self._bulk_page(
                request,
                "admin/netdesk/application/issue_summary.html",
                results=results,
                issued=sum(1 for result in results if result.number),
                failed=sum(1 for result in results if not result.number),
            )
        rates = {rate.product: rate for rate in FeeRate.objects.all()}
        previews = [
            (r, services.product_request_preview(product_request=r, rate=rates.get(r.product)))
            for r in requests
            if r.is_open
        ]
        return self._bulk_page(
            request,
            "admin/netdesk/application/issue_bulk_confirm.html",
            previews=previews,
            issuable=[r for r, preview in previews if not preview.refusal],
            selected=request.POST.getlist(ACTION_CHECKBOX_NAME),
        )

    def _bulk_page(self, request, template, **context):
        context = {
            **self.admin_site.each_context(request),
            "title": "選択された申込の発行",
            "opts": self.model._meta,
            "confirm": CONFIRM,
            **context,
        }
        return TemplateResponse(request, template, context)

    def _issue_one(self, request, product_request) -> IssueResult:
        """One row of a bulk 発行: its own transaction (product_request_issue's); a failure is recorded
        with its reason and the next row goes on."""
        try:
            contract = services.product_request_issue(product_request=product_request, by=request.user)
        except services.TransitionError as error:
            return IssueResult(product_request, None, str(error))
        except Exception:
            logger.exception("bulk issue failed product_request=%s", product_request.pk)
            return IssueResult(product_request, None, UNEXPECTED_FAILURE)
        return IssueResult(product_request, contract.number, "")

    def _issue(self, request, product_request):
        try:
            contract = services.product_request_issue(product_request=product_request, by=request.user)
        except services.TransitionError as error:
            self.message_user(request, str(error), messages.ERROR)
            return None
        self.message_user(
            request,
            f"{product_request.get_product_display()}を発行しました（保証契約番号 {contract.number}）。",
            messages.SUCCESS,
        )
        return contract

    def _run(self, request, operation, success_message) -> bool:
        try:
            operation()
        except services.TransitionError as error:
            self.message_user(request, str(error), messages.ERROR)
            return False
        self.message_user(request, success_message, messages.SUCCESS)
        return True


# -- 保証契約: issuers' contract admin, with the link back to the application it was issued for -----------

admin.site.unregister(GuaranteeContract)


@admin.register(GuaranteeContract)
class ContractAdmin(GuaranteeContractAdmin):
    """issuers knows contracts, not applications (docs/architecture.md): the link is added here."""

    fields = ["application", *GuaranteeContractAdmin.fields]
    readonly_fields = fields

    @admin.display(description="保証申込")
    def application(self, contract):
        product_request = (
            ProductRequest.objects.filter(contract=contract).select_related("application").first()
        )
        if product_request is None:
            return "—"
        url = reverse("admin:netdesk_application_change", args=[product_request.application_id])
        return format_html('<a href="{}">{}</a>', url, product_request.application)


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "address", "representative"]
    ordering = ["name"]
    search_fields = ["name"]


@admin.register(Member)
class MemberAdmin(AuditedAdmin):
    audited_fields = ("user", "company")
    list_display = ["user", "company"]
    list_select_related = ["user", "company"]
    autocomplete_fields = ["user", "company"]


# -- 変更の申込 (amendments): the clerk reviews a contractor's request and issues it as 変更N ------------


@admin.register(AmendmentRequest)
class AmendmentRequestAdmin(BranchScopedAdmin):
    """変更の申込 of contracts applied for at the clerk's branch. Read-only: the buttons 変更を発行 and
    差戻し call netdesk.services (amendment_issue → issuers.services.contract_change)."""

    branch_path = "product_request__application__branch"
    list_display = ["contract_number", "work_name", "company", "product", "status", "requested_at"]
    list_filter = [OpenWorkStatusFilter, "requested_at"]
    ordering = ["requested_at", "pk"]  # the oldest request first
    list_select_related = ["product_request__contract", "product_request__application__company", "version"]
    search_fields = [
        "product_request__contract__number",
        "product_request__application__work_name",
        "product_request__application__company__name",
    ]
    search_help_text = ApplicationAdmin.search_help_text
    date_hierarchy = "requested_at"
    change_form_template = "admin/netdesk/amendmentrequest/change_form.html"
    fields = [
        "contract_number",
        "company",
        "product",
        "status",
        "format",
        "changes",
        "reason",
        "requested_by",
        "requested_at",
        "notice_from_company",
        "issued_change",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description="保証契約番号", ordering="product_request__contract__number")
    def contract_number(self, amendment):
        return amendment.product_request.contract.number

    @admin.display(description="受注者")
    def company(self, amendment):
        return amendment.product_request.application.company

    @admin.display(description="工事名")
    def work_name(self, amendment):
        return amendment.product_request.application.work_name

    @admin.display(description="商品")
    def product(self, amendment):
        return amendment.product_request.get_product_display()

    @admin.display(description="発行した変更")
    def issued_change(self, amendment):
        if amendment.version is None:
            return "—"
        issued = (
            f"変更{kanji_number(amendment.version.change_no)}"
            f"（{date_format(timezone.localtime(amendment.version.issued_at), 'DATETIME_FORMAT')}）"
        )
        cancelled = issuers_selectors.cancellations_of(amendment.version).exists()
        return f"{issued}・変更取消済" if cancelled else issued

    @admin.display(description="変更の内容（変更前 → 変更後）")
    def changes(self, amendment):
        """Every changed term, 変更前 as frozen when the contractor applied (never recomputed from the
        version that is current now: after the change is issued, that is the 変更後)."""
        rows = [
            (
                amendments.LABELS[term],
                amendments.shown(term, amendment.before.get(term)) or "—",
                amendments.shown(term, value),
            )
            for term, value in amendment.terms.changes().items()
        ]
        return format_html(
            '<table class="amendment-changes"><thead><tr><th scope="col">項目</th><th scope="col">変更前</th>'
            '<th scope="col">変更後</th></tr></thead><tbody>{}</tbody></table>',
            format_html_join("", '<tr><th scope="row">{}</th><td>{}</td><td>→ {}</td></tr>', rows),
        )

    def get_urls(self):
        own = [
            path(
                "<id:pk>/issue/",
                self.admin_site.admin_view(self.issue_view),
                name="netdesk_amendment_issue",
            ),
            path(
                "<id:pk>/return/",
                self.admin_site.admin_view(self.return_view),
                name="netdesk_amendment_return",
            ),
        ]
        return own + super().get_urls()

    def _amendment(self, request, pk) -> AmendmentRequest:
        if not self.has_change_permission(request):
            raise PermissionDenied
        return get_object_or_404(self.get_queryset(request), pk=pk)

    def _back(self, amendment):
        return redirect(reverse("admin:netdesk_amendmentrequest_change", args=[amendment.pk]))

    def issue_view(self, request, pk):
        amendment = self._amendment(request, pk)
        if request.method != "POST":
            return self._back(amendment)
        try:
            version = services.amendment_issue(amendment=amendment, by=request.user)
        except services.TransitionError as error:
            self.message_user(request, str(error), messages.ERROR)
        else:
            self.message_user(
                request,
                f"変更{kanji_number(version.change_no)}を発行しました（保証契約番号 {version.contract.number}）。",
                messages.SUCCESS,
            )
        return self._back(amendment)

    def return_view(self, request, pk):
        amendment = self._amendment(request, pk)
        form = ReturnForm(request.POST or None, initial={"message": amendment.notice_from_company})
        if request.method == "POST" and form.is_valid():
            try:
                services.amendment_return(
                    amendment=amendment, by=request.user, message=form.cleaned_data["message"]
                )
            except services.TransitionError as error:
                form.add_error(None, str(error))
            else:
                self.message_user(
                    request, "差戻しました。お客様は改めて変更を申し込むことができます。", messages.SUCCESS
                )
                return self._back(amendment)
        context = {
            **self.admin_site.each_context(request),
            "title": f"差戻し: {amendment}",
            "original": amendment,
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/netdesk/return.html", context)
