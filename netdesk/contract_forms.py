"""Forms of the pages after issuance: the filters of 保証契約一覧, and 変更の申込.

The amendment form converts and checks types; the rules that need the current certificate (Q5,
note (注)2, nothing changed, amounts, 工期) are checked by `netdesk.services.amendment_submit`, whose
refusals the view puts next to the field they name."""

from django import forms

from common.forms import FullWidthTextField, OneLineTextField, YenField
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
    guarantee_amount = YenField(label="保証金額", required=False)
    contract_amount = YenField(label="請負金額", required=False)
    period_start = JapaneseDateField(label="工期（開始日）", required=False)
    period_end = JapaneseDateField(label="工期（終了日）", required=False)
    work_name = OneLineTextField(
        label="工事名", max_length=200, required=False, widget=forms.TextInput(attrs={"size": 60})
    )
    deposit_bank = FullWidthTextField(
        label="預託金融機関(全角)", max_length=100, required=False, widget=forms.TextInput(attrs={"size": 40})
    )
    contract_date = JapaneseDateField(label="請負契約日", required=False)
    contractor_address = OneLineTextField(
        label="保証契約者（住所）", max_length=200, required=False, widget=forms.TextInput(attrs={"size": 60})
    )
    contractor_name = OneLineTextField(
        label="保証契約者（名称）", max_length=200, required=False, widget=forms.TextInput(attrs={"size": 40})
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

    def submit_values(self) -> dict:
        """The keyword arguments of services.amendment_submit."""
        data = self.cleaned_data
        return {
            "client_token": data["client_token"],
            "format": data["format"],
            "guarantee_amount": data.get("guarantee_amount"),
            "contract_amount": data.get("contract_amount"),
            "period_start": data.get("period_start"),
            "period_end": data.get("period_end"),
            "work_name": data.get("work_name", ""),
            "deposit_bank": data.get("deposit_bank", ""),
            "contract_date": data.get("contract_date"),
            "contractor_address": data.get("contractor_address", ""),
            "contractor_name": data.get("contractor_name", ""),
            "reason": data.get("reason", ""),
        }


def initial_from_content(content: dict, *, format: str, client_token) -> dict:
    """The form's initial values: the current certificate."""
    return {
        "client_token": client_token,
        "format": format,
        "guarantee_amount": content.get("guarantee_amount"),
        "contract_amount": content.get("contract_amount"),
        "period_start": content.get("period_start"),
        "period_end": content.get("period_end"),
        "work_name": content.get("work_name"),
        "deposit_bank": content.get("deposit_bank"),
        "contract_date": content.get("contract_date"),
        "contractor_address": content.get("contractor_address"),
        "contractor_name": content.get("contractor_name"),
    }
