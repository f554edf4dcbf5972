"""Form fields every portal's forms share (Net Desk's and the clerks' admin)."""

import re

import jaconv
from django import forms
from django.core.exceptions import ValidationError

from common.formats import MAX_YEN, yen_amount_error


def to_half_width(value: str) -> str:
    """Full-width ASCII and digits to half-width (kana untouched): "２０，０００" -> "20,000"."""
    return jaconv.z2h(value, kana=False, ascii=True, digit=True)


def to_full_width(value: str) -> str:
    """Half-width kana, digits and ASCII (space included) to full-width, for 預託金融機関(全角)."""
    return jaconv.h2z(value, kana=True, ascii=True, digit=True)


# What nobody types into a one-line box, though a crafted POST can send it: C0 and C1 controls (line
# feed and tab included), the line and paragraph separators, and the bidirectional overrides that make
# text print differently from how it reads. Such text went onto certificates and broke their layout.
_NOT_ONE_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
CONTROL_CHARACTER_MESSAGE = "改行・タブなどの制御文字は入力できません。"


def validate_one_line(value: str) -> None:
    if _NOT_ONE_LINE.search(value):
        raise ValidationError(CONTROL_CHARACTER_MESSAGE, code="control_character")


# Dates print in the Japanese era (common.formats.wareki), which has none before 明治: a 訂正 to 0001-01-01
# crashed the PDF. Every date anyone enters (Net Desk's forms, the clerk's 訂正) stays within these years.
MIN_YEAR, MAX_YEAR = 2000, 2099


def validate_printable_year(day) -> None:
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise ValidationError(f"日付は{MIN_YEAR}年から{MAX_YEAR}年の間で入力してください。", code="invalid")


class OneLineTextField(forms.CharField):
    """A one-line text (工事名, 保証契約者, …): refused with a message when it holds a control character.
    Leading and trailing whitespace, a pasted line end included, is stripped as by any CharField."""

    default_validators = [validate_one_line]


class FullWidthTextField(OneLineTextField):
    """Stored full-width: half-width input is converted, never rejected for its width."""

    def to_python(self, value):
        text = super().to_python(value)
        return to_full_width(text) if text else text


class YenField(forms.CharField):
    """A whole-yen amount from 1 to MAX_YEN, typed as "20000000", "20,000,000", "２０，０００，０００" or
    "20,000,000円". Every form where an amount is entered uses it, so the limits are the same everywhere."""

    widget = forms.TextInput(
        attrs={"inputmode": "numeric", "autocomplete": "off", "size": 18, "maxlength": 40}
    )

    def to_python(self, value):
        text = super().to_python(value)
        if text in self.empty_values:
            return None
        if len(text) > 40:
            raise ValidationError("金額は40文字以内で入力してください。", code="max_length")
        digits = re.sub(r"[,\s]", "", to_half_width(text)).removesuffix("円")
        if not re.fullmatch(r"[0-9]+", digits):
            raise ValidationError(
                "金額は円単位の整数（数字とカンマ）で入力してください（例: 20,000,000）。", code="invalid"
            )
        amount = int(digits)
        if error := yen_amount_error(amount):
            raise ValidationError(error, code="max_value" if amount > MAX_YEN else "min_value")
        return amount

    def prepare_value(self, value):
        return f"{value:,}" if isinstance(value, int) else value
