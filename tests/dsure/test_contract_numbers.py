"""common.contract_numbers: what officials paste is made canonical, and a mistyped number is caught."""

import pytest
from hypothesis import given
from hypothesis import strategies as st

from common.contract_numbers import HYPHEN_LOOK_ALIKES, check_character, is_well_formed, normalize
from tests.dsure.conftest import NUMBER_P, fullwidth


def test_the_example_number_is_well_formed():
    assert check_character("2010800001") == NUMBER_P[-1]
    assert is_well_formed(NUMBER_P)


@pytest.mark.parametrize(
    "typed",
    [
        NUMBER_P,
        NUMBER_P.lower(),  # lower-case check letter
        f"  {NUMBER_P}\t",
        f"\u3000{NUMBER_P}\u3000",  # ideographic spaces around a copy-paste
        NUMBER_P.replace("-", " - "),
        NUMBER_P.replace("-", ""),  # 11 characters without the hyphen
        NUMBER_P.replace("-", "").lower(),
        fullwidth(NUMBER_P),  # copied from a PDF set in full-width characters
        fullwidth(NUMBER_P.lower()).replace("－", "ー"),  # typed with the IME: 「ー」 and a small letter
        fullwidth(NUMBER_P).replace("－", "\u3000－\u3000"),
    ],
)
def test_forgiving_input_normalises_to_the_number(typed):
    assert normalize(typed) == NUMBER_P


@pytest.mark.parametrize("hyphen", list("ー−‐－‑–—ｰ"))
def test_each_hyphen_look_alike_is_a_hyphen(hyphen):
    assert hyphen in HYPHEN_LOOK_ALIKES
    assert normalize(NUMBER_P.replace("-", hyphen)) == NUMBER_P


@pytest.mark.parametrize(
    "typed",
    ["", "20108-00001", "20108-000001", "2010-800001A", "abcde-fghijK", "20108-00001I", "20108-00001O"],
)
def test_malformed_numbers_are_not_well_formed(typed):
    assert not is_well_formed(normalize(typed))


def test_a_wrong_check_letter_is_caught():
    wrong = "ABCDEFGHJKLMNPQRSTUVWXZ".replace(NUMBER_P[-1], "")
    for letter in wrong:
        assert not is_well_formed(NUMBER_P[:-1] + letter)


@given(st.text(alphabet="0123456789", min_size=10, max_size=10), st.integers(0, 9), st.integers(1, 9))
def test_every_single_digit_error_is_caught(digits, position, delta):
    number = f"{digits[:5]}-{digits[5:]}{check_character(digits)}"
    typo = list(digits)
    typo[position] = str((int(typo[position]) + delta) % 10)
    typo = "".join(typo)
    assert not is_well_formed(f"{typo[:5]}-{typo[5:]}{number[-1]}")


@given(st.text(alphabet="0123456789", min_size=10, max_size=10), st.integers(0, 8))
def test_every_swap_of_neighbours_is_caught(digits, position):
    swapped = list(digits)
    swapped[position], swapped[position + 1] = swapped[position + 1], swapped[position]
    swapped = "".join(swapped)
    if swapped == digits:
        return
    assert not is_well_formed(f"{swapped[:5]}-{swapped[5:]}{check_character(digits)}")
