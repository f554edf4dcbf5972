"""Forms of the pages after issuance: the filters of 保証契約一覧, and 変更の申込.

The amendment form converts and checks types; the rules that need the current certificate (Q5,
note (注)2, nothing changed, amounts, 工期) are checked by `netdesk.services.amendment_submit`, whose
refusals the view puts next to the field they name."""

from django import forms

from common.forms import FullWidthTextField, OneLineTextField, YenField
from issuers import amendments
from issuers.models import CertificateFormat, Product
from issuers.selectors import STATUSES
from netdesk.forms import JapaneseDateField


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
