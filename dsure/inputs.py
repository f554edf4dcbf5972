"""What officials type, made canonical, and what of it may be written down.

The contract number's rules are shared (common.contract_numbers); the key's are D-Sure's: keys are
case-sensitive and avoid look-alikes, so only width and spaces are forgiven.
"""

import re

import jaconv

from common.contract_numbers import normalize as normalize_number

_SPACES = re.compile(r"\s+")
# After normalisation, a contract number is digits and hyphens with one letter at the end.
_NUMBER_LIKE = re.compile(r"^[0-9-]*[A-Z]?$")
TYPED_NUMBER_MAX = 64


def normalize_key(typed: str) -> str:
    """Full-width → half-width and every space removed; the case is kept (keys are case-sensitive)."""
    return _SPACES.sub("", jaconv.z2h(typed, kana=False, ascii=True, digit=True))


def loggable_number(typed: str) -> str:
    """The number as typed, for the log, unless it does not look like a number at all.

    Officials sometimes paste the key into the number field (or both into one). Such input is
    replaced by asterisks of its length, so no table ever holds a key in plain text.
    """
    typed = typed[:TYPED_NUMBER_MAX]
    if _NUMBER_LIKE.match(normalize_number(typed)):
        return typed
    return "*" * len(typed)
