"""Form fields every portal's forms share."""

import jaconv
from django import forms


def to_full_width(value: str) -> str:
    """Half-width kana, digits and ASCII (space included) to full-width, for 預託金融機関(全角)."""
    return jaconv.h2z(value, kana=True, ascii=True, digit=True)


class FullWidthTextField(forms.CharField):
    """Stored full-width: half-width input is converted, never rejected for its width."""

    def to_python(self, value):
        text = super().to_python(value)
        return to_full_width(text) if text else text
