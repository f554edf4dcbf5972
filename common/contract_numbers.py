"""保証契約番号: its shape, its check character, and how a typed number is made canonical.

Shared by every app (issuers allocates numbers, D-Sure validates what officials type), so the rule
lives here once. Shape, as on the leaflets (31073-00001M): five digits, a hyphen, five digits and a
check character. The meaning of the digits (branch, product, fiscal year, serial) is issuers' business
and documented in issuers/numbers.py.
"""

import re

import jaconv

# 23 letters without I and O (look-alikes of 1 and 0); 23 is prime, which the check relies on.
CHECK_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXZ"
# [0-9], not \d: \d also matches Arabic-Indic, mathematical and other Unicode digits, which int()
# reads as digits too — such a number would count as a guess instead of being malformed.
NUMBER_PATTERN = re.compile(r"^[0-9]{5}-[0-9]{5}[A-Z]$")
_WITHOUT_HYPHEN = re.compile(r"^[0-9]{10}[A-Z]$")

# Characters people (and PDF viewers, and IMEs) put where the hyphen belongs. Full-width ones are first
# made half-width by jaconv; these are what is left.
HYPHEN_LOOK_ALIKES = (
    "ー"  # U+30FC katakana prolonged sound mark (the IME's 「ー」)
    "ｰ"  # U+FF70 half-width prolonged sound mark
    "−"  # U+2212 minus sign
    "‐"  # U+2010 hyphen
    "‑"  # U+2011 non-breaking hyphen
    "‒"  # U+2012 figure dash
    "–"  # U+2013 en dash
    "—"  # U+2014 em dash
    "―"  # U+2015 horizontal bar
    "－"  # U+FF0D full-width hyphen-minus (jaconv already maps it; kept for clarity)
    "﹣"  # U+FE63 small hyphen-minus
    "⁃"  # U+2043 hyphen bullet
)
_HYPHENS = str.maketrans(dict.fromkeys(HYPHEN_LOOK_ALIKES, "-"))
_SPACES = re.compile(r"\s+")  # \s covers U+3000 (ideographic space) and the other Unicode spaces


def check_character(digits: str) -> str:
    """Weighted sum of the ten digits (weights 1..10) modulo 23.

    Every single-digit error changes the sum by w·d with 0 < w, |d| < 23, and every swap of two
    neighbours by ±d: neither is a multiple of the prime 23, so both are always caught.
    """
    total = sum(weight * int(digit) for weight, digit in enumerate(digits, start=1))
    return CHECK_ALPHABET[total % 23]


def is_well_formed(number: str) -> bool:
    """Shape and check character right: a mistyped number fails here, before it costs a guess."""
    if not NUMBER_PATTERN.match(number):
        return False
    digits = number[:5] + number[6:11]
    return check_character(digits) == number[-1]


def normalize(typed: str) -> str:
    """The canonical form of a number as a person typed or pasted it.

    Full-width → half-width, every space removed (also U+3000 and spaces inside), hyphen look-alikes
    → "-", the check letter upper-cased, and the hyphen inserted when the 11 characters came without it.
    The result is not necessarily well-formed: check it with `is_well_formed`.
    """
    text = jaconv.z2h(typed, kana=False, ascii=True, digit=True)
    text = _SPACES.sub("", text).translate(_HYPHENS).upper()
    if _WITHOUT_HYPHEN.match(text):
        text = f"{text[:5]}-{text[5:]}"
    return text
