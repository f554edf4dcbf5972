"""Forms of the pages after issuance: the filters of 保証契約一覧, and 変更の申込.

The amendment form converts and checks types; the rules that need the current certificate (Q5,
note (注)2, nothing changed, amounts, 工期) are checked by `netdesk.services.amendment_submit`, whose
refusals the view puts next to the field they name."""

import uuid

from django import forms

from common.forms import FullWidthTextField, OneLineTextField, YenField
from issuers import amendments
from issuers.models import CertificateFormat, Product
from issuers.selectors import STATUSES
from netdesk.forms import JapaneseDateField
from netdesk.models import ProductRequest
from netdesk.rules import INTERMEDIATE_LABELS


class ContractFilterForm(forms.Form):
    """GET filters of 保証契約一覧; an invalid value is ignored as if not given."""

    product = forms.ChoiceField(label="商品名", choices=[("", "すべて"), *Product.choices], required=False)
    ordering_body = forms.ModelChoiceField(
        label="発注者", queryset=None, required=False, empty_label="すべて"
    )
    status = forms.ChoiceField(
        label="状態", choices=[("", "すべて"), *((status, status) for status in STATUSES)], required=False
    )

    def __init__(self, *args, ordering_bodies, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["ordering_body"].queryset = ordering_bodies

    def filters(self) -> dict:
        """The valid filters (an unknown value, e.g. another company's ordering body, is dropped)."""
        self.is_valid()
        data = getattr(self, "cleaned_data", {})
        return {
            "product": data.get("product") or "",
            "ordering_body": data.get("ordering_body"),
            "status": data.get("status") or "",
        }


class AmendmentForm(forms.Form):
    """Prefilled with the current certificate; the contractor edits what changes."""

    use_required_attribute = False

    client_token = forms.UUIDField(widget=forms.HiddenInput)
    guarantee_amount = YenField(label=amendments.LABELS["guarantee_amount"], required=False)
    contract_amount = YenField(label=amendments.LABELS["contract_amount"], required=False)
    period_start = JapaneseDateField(label=amendments.LABELS["period_start"], required=False)
    period_end = JapaneseDateField(label=amendments.LABELS["period_end"], required=False)
    work_name = OneLineTextField(
        label=amendments.LABELS["work_name"],
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"size": 60}),
    )
    deposit_bank = FullWidthTextField(
        label=amendments.LABELS["deposit_bank"] + "(全角)",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"size": 40}),
    )
    contract_date = JapaneseDateField(label=amendments.LABELS["contract_date"], required=False)
    contractor_address = OneLineTextField(
        label=amendments.LABELS["contractor_address"],
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"size": 60}),
    )
    contractor_name = OneLineTextField(
        label=amendments.LABELS["contractor_name"],
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"size": 40}),
    )
    format = forms.ChoiceField(
        label="保証証書の形式について",
        choices=CertificateFormat.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "保証証書の形式を選択してください。",
            "invalid_choice": "選択肢から選んでください。",
        },
    )
    reason = forms.CharField(
        label="変更の理由",
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="変更契約の締結など、変更の理由をご記入ください（任意）。",
    )

    def __init__(self, *args, advance: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not advance:
            # 預託金融機関 is a term of the 前払金保証 only.
            del self.fields["deposit_bank"]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("period_start"), cleaned.get("period_end")
        if start and end and end < start:
            self.add_error("period_end", "工期の終了日は開始日以降の日付を入力してください。")
        return cleaned

    def amendment(self) -> amendments.Amendment:
        """The terms as typed (blank ones keep the current value); the service keeps those that change."""
        return amendments.Amendment.from_values(self.cleaned_data)


CERTIFICATION_MAX_BYTES = 5 * 1024 * 1024


class IntermediateForm(forms.Form):
    """中間前払金保証の申込, from 詳細 of an issued 前払金保証. Converts and checks types; the rules (the
    認定, 2/10, 6/10 with the first advance, the body's terms, the format) are netdesk.rules'
    intermediate_errors, run by services.intermediate_submit and shown next to their fields."""

    use_required_attribute = False

    format = forms.ChoiceField(
        label=INTERMEDIATE_LABELS["format"],
        choices=CertificateFormat.choices,
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": "選択肢から選んでください。"},
    )
    certification_date = JapaneseDateField(label=INTERMEDIATE_LABELS["certification_date"], required=False)
    certification_number = OneLineTextField(
        label=INTERMEDIATE_LABELS["certification_number"], max_length=50, required=False
    )
    certification_document = forms.FileField(
        label=INTERMEDIATE_LABELS["certification_document"],
        required=False,
        help_text="発注者が認定調書を発行する場合は、そのPDFを添付してください（5MBまで）。",
    )
    guarantee_amount = YenField(label=INTERMEDIATE_LABELS["guarantee_amount"], required=False)
    deposit_bank = FullWidthTextField(
        label=INTERMEDIATE_LABELS["deposit_bank"],
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"size": 40}),
    )
    payment_method = forms.ChoiceField(
        label=INTERMEDIATE_LABELS["payment_method"],
        choices=[("", "選択してください"), *ProductRequest.PaymentMethod.choices],
        required=False,
        error_messages={"invalid_choice": "選択肢から選んでください。"},
    )
    fee_billing_to = OneLineTextField(
        label=INTERMEDIATE_LABELS["fee_billing_to"],
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"size": 40}),
    )
    fee_statement_paper = forms.TypedChoiceField(
        label=INTERMEDIATE_LABELS["fee_statement_paper"],
        choices=[("True", "希望する"), ("False", "希望しない")],
        coerce=lambda value: value == "True",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "選択肢から選んでください。"},
    )

    def clean_certification_document(self):
        document = self.cleaned_data.get("certification_document")
        if not document:
            return None
        if document.size > CERTIFICATION_MAX_BYTES:
            raise forms.ValidationError("ファイルが大きすぎます。5MB以下のPDFファイルを添付してください。")
        head = document.read(5)
        document.seek(0)
        if head != b"%PDF-":
            raise forms.ValidationError("認定調書はPDFファイルを添付してください。")
        # The contractor's file name stays on their machine: the stored name says only what it is.
        document.name = f"{uuid.uuid4().hex}.pdf"
        return document

    def add_rule_errors(self, errors: dict[str, list[str]]) -> None:
        for field, messages in errors.items():
            if field in self.errors:
                continue
            for message in messages:
                self.add_error(field, message)


def intermediate_initial(*, advance_request: ProductRequest, content: dict, previous) -> dict:
    """The form's first values: a returned request's own, else the first advance's 預託金融機関 and
    its billing choices."""
    source = previous if previous is not None and previous.requested else advance_request
    initial = {
        "format": source.format,
        "deposit_bank": source.deposit_bank or content.get("deposit_bank", ""),
        "payment_method": source.payment_method,
        "fee_billing_to": source.fee_billing_to,
        "fee_statement_paper": (
            None if source.fee_statement_paper is None else str(source.fee_statement_paper)
        ),
    }
    if source is previous:
        initial.update(
            guarantee_amount=previous.guarantee_amount,
            certification_date=previous.certification_date,
            certification_number=previous.certification_number,
        )
    return initial
