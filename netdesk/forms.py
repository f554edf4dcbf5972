"""The Net Desk application form: one flat form over the application and its two product requests.

The form only converts and checks types (what 一時保存 needs): every field is optional here, and
the rules of spec §3 (required fields, amounts against 請負金額 and the ordering body's ratios, …)
live in `netdesk.rules`, which the edit view runs on the saved draft and the submit service runs again.
Input is forgiving: full-width digits and commas in amounts, half-width kana in 預託金融機関(全角).
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.forms.boundfield import BoundField

from common.forms import (
    FullWidthTextField,
    OneLineTextField,
    YenField,
    to_half_width,
    validate_printable_year,
)
from issuers.models import Branch, CertificateFormat, OrderingBody
from netdesk.models import ProductRequest
from netdesk.rules import LABELS

INVALID_CHOICE = "選択肢から選んでください。"
HYPHENS = "－ー‐−―–—﹣"


class JapaneseDateField(forms.DateField):
    """A date from <input type=date> (2026-05-01), or typed as 2026/05/01, in either width."""

    input_formats = ["%Y-%m-%d", "%Y/%m/%d"]
    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    default_error_messages = {"invalid": "日付を正しく入力してください（例: 2026-05-01）。"}

    def to_python(self, value):
        if isinstance(value, str):
            value = to_half_width(value).strip()
        day = super().to_python(value)
        if day is not None:
            validate_printable_year(day)
        return day


class ForgivingEmailField(forms.EmailField):
    default_error_messages = {
        "invalid": "メールアドレスを正しく入力してください（例: soumu@example.co.jp）。"
    }

    def to_python(self, value):
        if isinstance(value, str):
            value = to_half_width(value)
        return super().to_python(value)


class PhoneField(forms.CharField):
    """Digits and hyphens (10 or 11 digits); full-width digits and long-vowel marks are accepted."""

    def to_python(self, value):
        text = super().to_python(value)
        if not text:
            return text
        text = to_half_width(text)
        for hyphen in HYPHENS:
            text = text.replace(hyphen, "-")
        digits = text.replace("-", "")
        if not re.fullmatch(r"[0-9]+(-[0-9]+)*", text) or not 10 <= len(digits) <= 11:
            raise ValidationError(
                "連絡先電話番号は数字とハイフンで入力してください（例: 026-226-7520）。", code="invalid"
            )
        return text


def yes_no_field(label, yes, no):
    """A radio pair stored as True/False/None. Choice values are "True"/"False" so that an initial
    bool renders checked."""
    return forms.TypedChoiceField(
        label=label,
        choices=[("True", yes), ("False", no)],
        coerce=lambda value: value == "True",
        empty_value=None,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": INVALID_CHOICE},
    )


def choice_field(label, choices, widget=forms.RadioSelect):
    return forms.ChoiceField(
        label=label,
        choices=choices,
        required=False,
        widget=widget,
        error_messages={"invalid_choice": INVALID_CHOICE},
    )


class ApplicationBoundField(BoundField):
    """Adds the ids of a field's notes (e.g. the live ratio) to its aria-describedby, after the error."""

    @property
    def aria_describedby(self):
        ids = [super().aria_describedby or ""] + self.form.notes.get(self.name, [])
        return " ".join(i for i in ids if i)


class ApplicationForm(forms.Form):
    bound_field_class = ApplicationBoundField
    use_required_attribute = False  # 一時保存 must work with anything left empty.

    # Ids of the notes that describe a field (rendered by the template with these ids).
    notes = {
        "advance_format": ["advance_format_note"],
        "performance_format": ["performance_format_note"],
        "advance_this_year_amount": ["advance_this_year_note"],
        "advance_guarantee_amount": ["advance_ratio_note"],
        "performance_guarantee_amount": ["performance_ratio_note"],
        "advance_deposit_bank": ["advance_deposit_bank_note"],
        "advance_fee_statement_paper": ["advance_fee_statement_note"],
        "performance_fee_statement_paper": ["performance_fee_statement_note"],
        "notify_issued": ["notify_issued_note"],
        "jv_name": ["jv_name_note"],
    }

    # 請負工事の情報
    work_name = OneLineTextField(max_length=200, required=False)
    work_location = OneLineTextField(max_length=200, required=False)
    ordering_body = forms.ModelChoiceField(
        queryset=OrderingBody.objects.order_by("code"),
        required=False,
        empty_label="選択してください",
        error_messages={"invalid_choice": INVALID_CHOICE},
    )
    contract_amount = YenField(required=False)
    period_start = JapaneseDateField(required=False)
    period_end = JapaneseDateField(required=False)
    contract_date = JapaneseDateField(required=False)
    advance_planned = yes_no_field(LABELS["advance_planned"], "あり", "なし")
    jv_name = OneLineTextField(max_length=200, required=False)
    contractor_address = OneLineTextField(max_length=200, required=False)
    contractor_name = OneLineTextField(max_length=200, required=False)

    # 保証の申込内容: 前払金保証
    advance_requested = forms.BooleanField(required=False)
    advance_format = choice_field(LABELS["advance_format"], CertificateFormat.choices)
    advance_this_year_amount = YenField(required=False)
    advance_guarantee_amount = YenField(required=False)
    advance_deposit_bank = FullWidthTextField(max_length=100, required=False)
    advance_redeposit = choice_field(LABELS["advance_redeposit"], ProductRequest.Redeposit.choices)
    advance_payment_method = choice_field(
        LABELS["advance_payment_method"],
        [("", "選択してください"), *ProductRequest.PaymentMethod.choices],
        widget=forms.Select,
    )
    advance_fee_billing_to = OneLineTextField(max_length=200, required=False)
    advance_fee_statement_paper = yes_no_field(
        LABELS["advance_fee_statement_paper"], "希望する", "希望しない"
    )

    # 保証の申込内容: 契約保証
    performance_requested = forms.BooleanField(required=False)
    performance_format = choice_field(LABELS["performance_format"], CertificateFormat.choices)
    performance_guarantee_amount = YenField(required=False)
    performance_payment_method = choice_field(
        LABELS["performance_payment_method"],
        [("", "選択してください"), *ProductRequest.PaymentMethod.choices],
        widget=forms.Select,
    )
    performance_fee_billing_to = OneLineTextField(max_length=200, required=False)
    performance_fee_statement_paper = yes_no_field(
        LABELS["performance_fee_statement_paper"], "希望する", "希望しない"
    )

    # インフォメーション
    branch = forms.ModelChoiceField(
        queryset=Branch.objects.order_by("code"),
        required=False,
        empty_label="選択してください",
        error_messages={"invalid_choice": INVALID_CHOICE},
    )
    notify_issued = yes_no_field(LABELS["notify_issued"], "希望する", "希望しない")
    email = ForgivingEmailField(max_length=254, required=False, widget=forms.EmailInput(attrs={"size": 40}))
    contact_department = OneLineTextField(max_length=100, required=False)
    contact_title = OneLineTextField(max_length=100, required=False)
    contact_person = OneLineTextField(max_length=100, required=False)
    contact_phone = PhoneField(
        max_length=30, required=False, widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"})
    )
    message_to_company = forms.CharField(
        max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 4, "cols": 60})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            field.label = LABELS[name]
        self.fields["ordering_body"].label_from_instance = lambda body: f"{body.name}（{body.prefecture}）"

    def add_rule_errors(self, errors: dict[str, list[str]]) -> None:
        """Show the rules' messages next to their fields, except where the field already has a type
        error (one message at a time; the typed text stays in the input either way)."""
        for field, messages in errors.items():
            if field in self.errors:
                continue
            for message in messages:
                self.add_error(field, message)

    @property
    def draft_data(self) -> dict:
        """What 一時保存 may store: the fields that converted cleanly (typed errors are kept out)."""
        return dict(self.cleaned_data)
