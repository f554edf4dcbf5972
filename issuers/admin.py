"""The branch clerks' tool: contracts of their own branch, read-only documents, and the operations
訂正, 変更取消 and 認証キー再発行, each calling issuers.services."""

import csv
import datetime
import io
import re
from urllib.parse import quote

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import display_for_field, display_for_value, label_for_field, lookup_field
from django.contrib.admin.views.main import ERROR_FLAG
from django.core.exceptions import BadRequest, PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join, strip_tags
from django.utils.safestring import mark_safe

from accounts.audited_admin import AuditedAdmin
from common.admin import (
    CappedCount,
    ListFilterGuard,
    ReadOnlyAdmin,
    ReadOnlyInline,
    RelatedExistsListFilter,
    WidthInsensitiveSearch,
)
from common.formats import ERAS, fee_rate, rate, wareki, yen
from common.forms import FullWidthTextField, OneLineTextField, YenField, validate_printable_year
from common.http import pdf_response
from common.spreadsheet import csv_text
from issuers import amendments, numbers, postings, selectors, services
from issuers.documents import fee_statement
from issuers.models import (
    Branch,
    CertificateVersion,
    Clerk,
    ContractEvent,
    DsurePosting,
    FeeRate,
    FeeStatement,
    GuaranteeContract,
    KeyIssue,
    OrderingBody,
    OutboundMail,
    SuretyCompany,
)


class BranchScopedAdmin(WidthInsensitiveSearch, ListFilterGuard, admin.ModelAdmin):
    """A clerk sees only rows of their branch; another branch's object is a 404, not a redirect.
    Superusers see everything, with a 支店 filter (the clerk's home links to it); staff without a
    branch see nothing. Search accepts full-width and half-width input (common.admin)."""

    branch_path = "branch"

    def get_list_filter(self, request):
        filters = list(super().get_list_filter(request))
        if request.user.is_superuser:
            filters.append((self.branch_path, RelatedExistsListFilter))
        return filters

    class Media:
        css = {"all": ["css/admin.css"]}  # 24px filter links (WCAG 2.2 target size)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        branch = selectors.clerk_branch(request)
        if branch is None:
            return queryset.none()
        return queryset.filter(**{self.branch_path: branch})

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404
        return obj

    def response_action(self, request, queryset, *args, **kwargs):
        """A list action whose selection is not ids of this model (never sent by the checkboxes: a
        tampered form) is a 400, not the 500 that Django's pk__in filter raises on "abc"."""
        pk = self.model._meta.pk
        for value in request.POST.getlist(ACTION_CHECKBOX_NAME):
            try:
                pk.clean(value, None)
            except ValidationError:
                raise BadRequest("invalid selection") from None
        return super().response_action(request, queryset, *args, **kwargs)


class CsvExport:
    """「CSV出力」 on a list: the rows of the list as it is shown — its columns, its filters and search,
    the clerk's branch only — as UTF-8 with a BOM, so that Excel opens the Japanese as it should."""

    change_list_template = "admin/csv_change_list.html"

    def get_urls(self):
        opts = self.model._meta
        export = path(
            "csv/", self.admin_site.admin_view(self.csv_view), name=f"{opts.app_label}_{opts.model_name}_csv"
        )
        return [export, *super().get_urls()]

    def csv_view(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:  # the list itself answers such a query with its ?e=1 page
            opts = self.model._meta
            return redirect(
                reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist") + f"?{ERROR_FLAG}=1"
            )
        columns = [name for name in changelist.list_display if name != "action_checkbox"]
        rows = changelist.get_queryset(request)
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([label_for_field(name, self.model, self) for name in columns])
        for row in rows:
            writer.writerow([self._csv_cell(row, name) for name in columns])
        response = HttpResponse("\ufeff" + buffer.getvalue(), content_type="text/csv; charset=utf-8")
        filename = f"{self.model._meta.verbose_name_plural}一覧.csv"
        response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
        return response

    def _csv_cell(self, row, name) -> str:
        field, _, value = lookup_field(name, row, self)
        if field is None:
            text = str(display_for_value(value, ""))
        else:
            text = str(display_for_field(value, field, "", avoid_link=True))
        return csv_text(strip_tags(_BREAK.sub(" / ", text)).strip())


_BREAK = re.compile(r"<br\s*/?>")


def _pdf_link(url_name, contract_pk, document_pk, present=True):
    """Stored PDFs are never served from MEDIA_ROOT directly: they go through a scoped admin view."""
    if not present:
        return "—"
    url = reverse(f"admin:{url_name}", args=[contract_pk, document_pk])
    return format_html('<a href="{}" target="_blank" rel="noopener">PDF</a>', url)


class VersionPdfColumn:
    @admin.display(description="電子保証発行日時")
    def posted(self, version):
        """When D-Sure took the version; 掲載待ち while an electronic one waits for D-Sure (DSURE_URL)."""
        if version.posted_at is not None:
            return display_for_value(version.posted_at, "")
        if getattr(version, "posting", None) is not None and version.posting.refused_at is not None:
            return "掲載拒否（D-Sureが受け付けず。運用担当者へ）"
        return "掲載待ち" if version.contract.is_electronic else "—"

    @admin.display(description="保証証書")
    def pdf_link(self, version):
        return _pdf_link("issuers_contract_version_pdf", version.contract_id, version.pk, bool(version.pdf))


class VersionInline(VersionPdfColumn, ReadOnlyInline):
    model = CertificateVersion
    fields = ["sequence", "kind", "change_no", "issued_at", "issued_by", "posted", "pdf_link"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("contract", "posting")


class KeyInline(ReadOnlyInline):
    """The key itself is not shown on the clerk's pages: only when and why it was issued. The notice of
    the key in force can be printed for a contractor who asks (key_notice_pdf_view, audited)."""

    model = KeyIssue
    fields = ["sequence", "issued_at", "issued_by", "reason"]
    readonly_fields = fields


class FeeStatementColumns:
    """A 保証料計算書's figures as the statement prints them: yen with separators, the rate in percent
    (never the raw 20000000 and 0.00250), and whether the rate is the demo's."""

    @admin.display(description="保証金額", ordering="guarantee_amount")
    def amount(self, statement):
        return yen(statement.guarantee_amount)

    @admin.display(description="保証料率（年率）")
    def rate(self, statement):
        return fee_statement.rate_percent(statement.annual_rate)

    @admin.display(description="保証料", ordering="fee")
    def fee_yen(self, statement):
        return yen(statement.fee)

    @admin.display(description="料率")
    def rate_kind(self, statement):
        return "見本（説明用）" if statement.illustrative else "—"


class ActorColumn:
    @admin.display(description="操作者")
    def actor(self, event):
        return event.by or "—"


class FeeStatementInline(FeeStatementColumns, ReadOnlyInline):
    model = FeeStatement
    fields = ["version", "amount", "days", "rate", "fee_yen", "rate_kind", "pdf_link"]
    readonly_fields = fields

    @admin.display(description="保証料計算書")
    def pdf_link(self, statement):
        return _pdf_link("issuers_contract_fee_pdf", statement.contract_id, statement.pk)


class EventInline(ActorColumn, ReadOnlyInline):
    model = ContractEvent
    fields = ["at", "action", "actor", "detail"]
    readonly_fields = fields


class ConfirmForm(forms.Form):
    """An operation with nothing to type: the page itself is the confirmation (its one hidden field
    makes the POST a bound form)."""

    confirm = forms.CharField(widget=forms.HiddenInput, initial="yes")


class ReasonForm(forms.Form):
    reason = forms.CharField(label="理由", max_length=200, widget=forms.TextInput(attrs={"size": 60}))


class CorrectionForm(forms.Form):
    """訂正: only the fields a clerical error can touch, opened with the current content (blank keeps
    the current value), and the 訂正理由 the contract's record keeps."""

    work_name = OneLineTextField(label=amendments.LABELS["work_name"], max_length=200, required=False)
    work_location = OneLineTextField(label=amendments.LABELS["work_location"], max_length=200, required=False)
    contractor_address = OneLineTextField(
        label=amendments.LABELS["contractor_address"], max_length=200, required=False
    )
    contractor_name = OneLineTextField(
        label=amendments.LABELS["contractor_name"], max_length=200, required=False
    )
    deposit_bank = FullWidthTextField(
        label=amendments.LABELS["deposit_bank"] + "(全角)", max_length=100, required=False
    )
    guarantee_amount = YenField(label=amendments.LABELS["guarantee_amount"], required=False)
    contract_amount = YenField(label=amendments.LABELS["contract_amount"], required=False)
    period_start = forms.DateField(
        label=amendments.LABELS["period_start"],
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_printable_year],
    )
    period_end = forms.DateField(
        label=amendments.LABELS["period_end"],
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_printable_year],
    )
    contract_date = forms.DateField(
        label=amendments.LABELS["contract_date"],
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_printable_year],
    )

    reason = OneLineTextField(
        label="訂正理由",
        max_length=200,
        widget=forms.TextInput(attrs={"size": 60}),
        error_messages={"required": "訂正理由を入力してください。"},
    )

    def __init__(self, *args, current: dict, **kwargs):
        super().__init__(*args, **kwargs)
        self.current = current
        for name, field in self.fields.items():
            if name in current:
                field.initial = current[name]

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.amendment().changes():
            raise forms.ValidationError("訂正する項目がありません。訂正後の内容を入力してください。")
        return cleaned

    def amendment(self) -> amendments.Amendment:
        """The terms that differ from the current content (blank and unchanged ones are None)."""
        return amendments.Amendment.from_values(self.cleaned_data).differing_from(self.current)


def fiscal_year_label(year: int) -> str:
    """ "令和08年度" for the fiscal year that starts on 2026-04-01."""
    start = datetime.date(year, 4, 1)
    for era_start, era in ERAS:
        if start >= era_start:
            return f"{era}{year - era_start.year + 1:02d}年度"
    raise ValueError(f"no Japanese era for {year}")


class FiscalYearListFilter(admin.SimpleListFilter):
    """発行年度 (April to March, Tokyo) of the issue date, the current one and the nine before: a fixed
    list, where the admin's date_hierarchy found the years with a DISTINCT over every row of the list
    (0.9 s for a branch at 1,000,000 certificates; docs/performance.md)."""

    title = "発行年度"
    parameter_name = "fiscal_year"
    field_name = "issued_at"
    YEARS = 10

    def lookups(self, request, model_admin):
        current = numbers.fiscal_year(timezone.localdate())
        return [(str(year), fiscal_year_label(year)) for year in range(current, current - self.YEARS, -1)]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if not value.isascii() or not value.isdigit() or not 1900 <= int(value) <= 9000:
            raise IncorrectLookupParameters(f"no fiscal year {value!r}")
        start = datetime.datetime(int(value), 4, 1, tzinfo=timezone.get_current_timezone())
        end = start.replace(year=start.year + 1)
        return queryset.filter(**{f"{self.field_name}__gte": start, f"{self.field_name}__lt": end})


class RevokedFilter(admin.SimpleListFilter):
    """取消 or not, in words (Django's own filter for an empty date says 「空／空でない」)."""

    title = "取消"
    parameter_name = "revoked"

    def lookups(self, request, model_admin):
        return [("no", "取消されていない"), ("yes", "取消済み")]

    def queryset(self, request, queryset):
        if self.value() in ("no", "yes"):
            return queryset.filter(revoked_at__isnull=self.value() == "no")
        return queryset


@admin.register(GuaranteeContract)
class GuaranteeContractAdmin(CappedCount, CsvExport, BranchScopedAdmin, ReadOnlyAdmin):
    """Contracts of the clerk's branch with what the certificate says now (工事名, 受注者, 保証金額,
    保証期限 from the current version's content) and links to its documents."""

    list_display = [
        "number",
        "work_name",
        "contractor_name",
        "ordering_body",
        "product",
        "format",
        "guarantee_amount",
        "guarantee_deadline",
        "status",
        "issued_at",
    ]
    list_filter = [
        "product",
        "format",
        ("ordering_body", RelatedExistsListFilter),
        "issued_at",
        FiscalYearListFilter,
        RevokedFilter,
    ]
    list_select_related = ["ordering_body", "branch", "issued_by"]
    search_fields = ["number", "versions__content__work_name", "versions__content__contractor_name"]
    search_help_text = (
        "保証契約番号・工事名・受注者で検索できます（全角・半角、ハイフンの有無を問いません）。"
    )
    fields = [
        "number",
        "work_name",
        "contractor_name",
        "ordering_body",
        "product",
        "format",
        "guarantee_amount",
        "guarantee_deadline",
        "status",
        "dsure_postings",
        "documents",
        "branch",
        "issued_at",
        "issued_by",
        "revoked_at",
        "revoked_by",
        "revocation_reason",
    ]
    readonly_fields = fields
    inlines = [VersionInline, KeyInline, FeeStatementInline, EventInline]
    change_form_template = "admin/issuers/guaranteecontract/change_form.html"

    def get_queryset(self, request):
        versions = CertificateVersion.objects.order_by("sequence")
        return super().get_queryset(request).prefetch_related(Prefetch("versions", queryset=versions))

    # -- what the certificate says now (the current version's content) --------------------------------

    @staticmethod
    def _current(contract) -> CertificateVersion:
        return selectors.current_version(contract.versions.all())

    @admin.display(description="工事名")
    def work_name(self, contract):
        return self._current(contract).content["work_name"]

    @admin.display(description="受注者")
    def contractor_name(self, contract):
        return self._current(contract).content["contractor_name"]

    @admin.display(description="保証金額")
    def guarantee_amount(self, contract):
        return yen(self._current(contract).content["guarantee_amount"])

    @admin.display(description="保証期限")
    def guarantee_deadline(self, contract):
        return wareki(self._current(contract).content["guarantee_deadline"])

    @admin.display(description="状態")
    def status(self, contract):
        return selectors.contract_status(
            self._current(contract).content,
            today=timezone.localdate(),
            revoked=contract.revoked_at is not None,
        )

    # What a key re-issue or a 取消 not yet in D-Sure means for the contractor and the ordering body
    # (a version's own posting reads in its row of 保証証書の版).
    POSTING_CONSEQUENCES = {
        postings.KEY_REISSUE: ("認証キー再発行", "新しい認証キーはD-Sureでまだ使えません。"),
        postings.REVOCATION: ("保証契約の取消", "D-Sureではまだ取消と表示されません。"),
    }

    @admin.display(description="D-Sureへの掲載")
    def dsure_postings(self, contract):
        """A key re-issue or a 取消 that D-Sure has not taken (掲載待ち) or refused (掲載拒否), with what
        it means; "—" when there is none."""
        untaken = contract.postings.filter(
            posted_at__isnull=True, kind__in=list(self.POSTING_CONSEQUENCES)
        ).order_by("pk")
        lines = []
        for posting in untaken:
            what, consequence = self.POSTING_CONSEQUENCES[posting.kind]
            state = "掲載拒否（D-Sureが受け付けず。運用担当者へ）" if posting.refused_at else "掲載待ち"
            lines.append((what, state, consequence))
        if not lines:
            return "—"
        return format_html_join(mark_safe("<br>"), "{}：{} {}", lines)  # noqa: S308 — a constant

    @admin.display(description="書類")
    def documents(self, contract):
        current = self._current(contract)
        links = []
        if current.pdf:
            links.append(("issuers_contract_version_pdf", current.pk, "保証証書（現在の版）"))
        key = contract.keys.order_by("sequence").last()
        if key is not None:
            links.append(("issuers_contract_key_notice_pdf", key.pk, "「認証キー」のお知らせ"))
        links += [("issuers_contract_fee_pdf", s.pk, "保証料計算書") for s in contract.fee_statements.all()]
        return format_html(
            '<ul class="document-links">{}</ul>',
            format_html_join(
                "",
                '<li><a href="{}" target="_blank" rel="noopener">{}（PDF）</a></li>',
                ((reverse(f"admin:{name}", args=[contract.pk, pk]), label) for name, pk, label in links),
            ),
        )

    def get_urls(self):
        own = [
            path(
                "<id:pk>/correct/",
                self.admin_site.admin_view(self.correct_view),
                name="issuers_contract_correct",
            ),
            path(
                "<id:pk>/cancel-change/",
                self.admin_site.admin_view(self.cancel_change_view),
                name="issuers_contract_cancel_change",
            ),
            path(
                "<id:pk>/revoke/",
                self.admin_site.admin_view(self.revoke_view),
                name="issuers_contract_revoke",
            ),
            path(
                "<id:pk>/reissue-key/",
                self.admin_site.admin_view(self.reissue_key_view),
                name="issuers_contract_reissue_key",
            ),
            path(
                "<id:pk>/versions/<id:version_pk>/pdf/",
                self.admin_site.admin_view(self.version_pdf_view),
                name="issuers_contract_version_pdf",
            ),
            path(
                "<id:pk>/keys/<id:key_pk>/notice/",
                self.admin_site.admin_view(self.key_notice_pdf_view),
                name="issuers_contract_key_notice_pdf",
            ),
            path(
                "<id:pk>/resend-mail/",
                self.admin_site.admin_view(self.resend_mail_view),
                name="issuers_contract_resend_mail",
            ),
            path(
                "<id:pk>/fees/<id:statement_pk>/pdf/",
                self.admin_site.admin_view(self.fee_pdf_view),
                name="issuers_contract_fee_pdf",
            ),
        ]
        return own + super().get_urls()

    def version_pdf_view(self, request, pk, version_pk):
        contract = self._contract(request, pk)
        version = get_object_or_404(contract.versions.exclude(pdf=""), pk=version_pk)
        services.document_download(
            contract=contract, document="certificate", by=request.user, sequence=version.sequence
        )
        return pdf_response(version.pdf, f"{contract.number}-{version.sequence}.pdf")

    def fee_pdf_view(self, request, pk, statement_pk):
        contract = self._contract(request, pk)
        statement = get_object_or_404(contract.fee_statements, pk=statement_pk)
        services.document_download(
            contract=contract, document="fee_statement", by=request.user, statement=statement.pk
        )
        return pdf_response(statement.pdf, f"{contract.number}-fee.pdf")

    def key_notice_pdf_view(self, request, pk, key_pk):
        """The notice the contractor hands to the ordering body (it carries the key): the clerk may
        print it for a contractor who asks; each download is in the audit trail. Only the key in force:
        a replaced key's notice is of use to nobody but someone who should not have it."""
        contract = self._contract(request, pk)
        issue = contract.keys.order_by("sequence").last()
        if issue is None or issue.pk != key_pk:
            raise Http404
        services.document_download(
            contract=contract, document="key_notice", by=request.user, notice=issue.sequence
        )
        return pdf_response(issue.notice_pdf, f"{contract.number}-key-{issue.sequence}.pdf")

    def resend_mail_view(self, request, pk):
        return self._operation(
            request,
            pk,
            ConfirmForm,
            lambda contract, form: services.issued_mail_resend(contract=contract, by=request.user),
            done="{number} の発行完了のお知らせを再送しました（認証キーは記載していません）。",
            title="発行完了のお知らせの再送",
            button="再送する",
        )

    def _contract(self, request, pk) -> GuaranteeContract:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(self.get_queryset(request), pk=pk)

    def _done(self, contract):
        return redirect(reverse("admin:issuers_guaranteecontract_change", args=[contract.pk]))

    def correct_view(self, request, pk):
        return self._operation(
            request,
            pk,
            CorrectionForm,
            lambda contract, form: services.contract_correct(
                contract=contract,
                amendment=form.amendment(),
                by=request.user,
                reason=form.cleaned_data["reason"],
            ),
            done="{number} を訂正しました。",
            title="訂正",
            button="訂正する",
            form_kwargs=lambda contract: {"current": services.current_content(contract)},
        )

    def cancel_change_view(self, request, pk):
        return self._operation(
            request,
            pk,
            ReasonForm,
            lambda contract, form: services.contract_cancel_change(
                contract=contract, by=request.user, reason=form.cleaned_data["reason"]
            ),
            done="{number} の直近の変更を取り消しました。",
            title="変更取消",
            button="変更を取り消す",
        )

    def revoke_view(self, request, pk):
        return self._operation(
            request,
            pk,
            ReasonForm,
            lambda contract, form: services.contract_revoke(
                contract=contract, by=request.user, reason=form.cleaned_data["reason"]
            ),
            done="{number} を取消しました。Net Desk と D-Sure の状態は「取消」になります。",
            title="保証契約の取消",
            button="取消する",
        )

    def reissue_key_view(self, request, pk):
        return self._operation(
            request,
            pk,
            ReasonForm,
            lambda contract, form: services.key_reissue(
                contract=contract, by=request.user, reason=form.cleaned_data["reason"]
            ),
            done="{number} の認証キーを再発行しました。旧キーは無効です。"
            "新しい「認証キー」のお知らせは受注者がNet Deskで取得できます。",
            title="認証キー再発行",
            button="再発行する",
        )

    def _operation(self, request, pk, form_class, run, *, done, title, button, form_kwargs=None):
        """One clerk's operation on a contract of their branch: the form, then the service; a refusal
        (IssueError) is shown above the form with everything typed kept."""
        contract = self._contract(request, pk)
        form = form_class(request.POST or None, **(form_kwargs(contract) if form_kwargs else {}))
        if request.method == "POST" and form.is_valid():
            try:
                run(contract, form)
            except services.IssueError as error:
                form.add_error(None, str(error))
            else:
                self.message_user(request, done.format(number=contract.number), messages.SUCCESS)
                return self._done(contract)
        return self._operation_page(request, contract, form, title=title, button=button)

    def _operation_page(self, request, contract, form, *, title, button):
        context = {
            **self.admin_site.each_context(request),
            "title": f"{contract.number} {title}",
            "contract": contract,
            "form": form,
            "button": button,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/issuers/operation.html", context)


@admin.register(CertificateVersion)
class CertificateVersionAdmin(VersionPdfColumn, BranchScopedAdmin, ReadOnlyAdmin):
    branch_path = "contract__branch"
    list_display = ["contract", "sequence", "kind", "change_no", "issued_at", "posted"]
    list_filter = ["kind", "issued_at"]
    list_select_related = ["contract", "posting"]
    search_fields = ["contract__number"]
    fields = [
        "contract",
        "sequence",
        "kind",
        "change_no",
        "target_label",
        "pdf_link",
        "issued_at",
        "issued_by",
        "posted",
    ]
    readonly_fields = fields

    @admin.display(description="対象の版")
    def target_label(self, version):
        return f"No.{version.target.sequence}" if version.target_id else "—"


@admin.register(FeeStatement)
class FeeStatementAdmin(CsvExport, FeeStatementColumns, BranchScopedAdmin, ReadOnlyAdmin):
    branch_path = "contract__branch"
    list_display = ["contract", "amount", "days", "rate", "fee_yen", "rate_kind", "issued_at"]
    fields = ["contract", "version", "amount", "days", "rate", "minimum", "fee_yen", "rate_kind", "issued_at"]
    readonly_fields = fields

    @admin.display(description="最低保証料")
    def minimum(self, statement):
        return yen(statement.minimum_fee)

    list_select_related = ["contract"]
    search_fields = ["contract__number"]


@admin.register(ContractEvent)
class ContractEventAdmin(ActorColumn, BranchScopedAdmin, ReadOnlyAdmin):
    branch_path = "contract__branch"
    list_display = ["at", "contract", "action", "actor", "detail"]
    fields = list_display
    readonly_fields = fields
    list_filter = ["action", "at"]
    list_select_related = ["contract", "by"]
    search_fields = ["contract__number"]


@admin.register(OutboundMail)
class OutboundMailAdmin(ReadOnlyAdmin):
    """The e-mails the system sent, readable in the browser: with the embedded default (console mail)
    a demo shows the 発行完了 e-mail here instead of in the server's log. Superuser only (the clerks'
    group has no permission on it); the e-mails never hold a key."""

    list_display = ["created_at", "to", "subject", "sent_at", "attempts"]
    list_filter = ["sent_at"]
    search_fields = ["to", "subject"]
    fields = [
        "created_at",
        "sent_at",
        "to",
        "subject",
        "body_text",
        "attempts",
        "next_attempt_at",
        "last_error",
    ]
    readonly_fields = fields


@admin.register(DsurePosting)
class DsurePostingAdmin(ReadOnlyAdmin):
    """The postings to D-Sure: with DSURE_URL, what waits (掲載待ち) and why (the last error), and when
    the sweeper tries again. Superuser only, like the e-mail outbox; never the key (kept encrypted until
    D-Sure has it, then dropped)."""

    list_display = [
        "contract",
        "kind",
        "created_at",
        "posted_at",
        "refused_at",
        "attempts",
        "next_attempt_at",
        "last_error",
    ]
    list_filter = [
        ("posted_at", admin.EmptyFieldListFilter),
        ("refused_at", admin.EmptyFieldListFilter),
        "kind",
    ]
    list_select_related = ["contract"]
    search_fields = ["contract__number"]
    fields = [
        "contract",
        "kind",
        "posting_id",
        "created_at",
        "posted_at",
        "refused_at",
        "attempts",
        "next_attempt_at",
        "last_error",
    ]
    readonly_fields = fields


@admin.register(SuretyCompany)
class SuretyCompanyAdmin(admin.ModelAdmin):
    list_display = ["name", "address", "president_title", "president_name"]


@admin.register(Branch)
class BranchAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "tel", "fax", "email"]


def _ratio_column(field_name: str):
    """An ordering body's ratio as its rules state it (「40%」, never the stored 0.400)."""
    field = OrderingBody._meta.get_field(field_name)

    @admin.display(description=field.verbose_name, ordering=field_name)
    def column(self, body):
        return rate(getattr(body, field_name))

    return column


@admin.register(OrderingBody)
class OrderingBodyAdmin(ListFilterGuard, admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "head_title",
        "prefecture",
        "esurety_start",
        "advance_ratio",
        "performance_ratio",
        "intermediate_paid",
    ]
    # Read as percentages in the list and by whoever only views a body (the clerk); typed as decimals
    # in the edit form, whose help text says so.
    RATIOS = {
        "advance_ratio_limit": "advance_ratio",
        "performance_ratio_min": "performance_ratio",
        "intermediate_ratio_limit": "intermediate_ratio",
        "advance_total_ratio_limit": "advance_total_ratio",
    }
    advance_ratio = _ratio_column("advance_ratio_limit")
    performance_ratio = _ratio_column("performance_ratio_min")
    intermediate_ratio = _ratio_column("intermediate_ratio_limit")
    advance_total_ratio = _ratio_column("advance_total_ratio_limit")
    list_filter = ["prefecture", "paper_accepted", "intermediate_paid"]
    search_fields = ["name", "code"]
    fieldsets = [
        (None, {"fields": ["code", "name", "head_title", "prefecture", "esurety_start"]}),
        ("保証の条件", {"fields": ["advance_ratio_limit", "performance_ratio_min"]}),
        (
            "中間前金払",
            {
                "fields": [
                    "intermediate_paid",
                    ("intermediate_ratio_limit", "advance_total_ratio_limit"),
                    ("intermediate_min_contract_amount", "intermediate_min_period_days"),
                ],
                "description": "中間前払金保証の申込で確かめる、この発注者の中間前金払の条件です。",
            },
        ),
        (
            "提出のルール（「認証キー」のお知らせ）",
            {
                "fields": [
                    ("key_notice_by_email", "key_notice_by_eapplication", "key_notice_by_econtract"),
                    "advance_recipient",
                    "performance_recipient",
                    "intermediate_recipient",
                    "paper_accepted",
                    "submission_notes",
                ],
                "description": "受注者への案内（申込確認・詳細）と「電子保証対応の発注者」一覧に表示されます。",
            },
        ),
    ]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None or self.has_change_permission(request, obj):
            return fieldsets

        def shown(names):
            return [
                tuple(self.RATIOS.get(n, n) for n in name)
                if isinstance(name, tuple)
                else self.RATIOS.get(name, name)
                for name in names
            ]

        return [(title, {**options, "fields": shown(options["fields"])}) for title, options in fieldsets]


@admin.register(FeeRate)
class FeeRateAdmin(admin.ModelAdmin):
    list_display = ["product", "rate_percent", "flat", "minimum_fee", "illustrative"]

    @admin.display(description="年率", ordering="annual_rate")
    def rate_percent(self, fee_rate_row):
        return fee_rate(fee_rate_row.annual_rate)


@admin.register(Clerk)
class ClerkAdmin(AuditedAdmin):
    audited_fields = ("user", "branch")
    list_display = ["user", "branch"]
    list_select_related = ["user", "branch"]
    autocomplete_fields = ["user"]
