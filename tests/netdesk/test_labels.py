"""One label per term, in the leaflets' words: the application form, the 変更の申込, the clerk's 訂正, the
amendment's record and the changes listed on the pages all call a term the same."""

from issuers import amendments
from issuers.admin import CorrectionForm
from netdesk import rules
from netdesk.contract_forms import AmendmentForm
from netdesk.models import AMENDABLE_TERMS, AmendmentRequest


def test_a_term_is_called_the_same_on_every_form_and_record():
    for term in amendments.TERMS:
        label = amendments.LABELS[term]
        # 預託金融機関 is typed as 預託金融機関(全角): the form says how to type it.
        assert CorrectionForm.base_fields[term].label in (label, f"{label}(全角)")
    # The application names these two per product (前払金保証金額, …); every other term it names alike.
    for term in set(amendments.TERMS) - {"guarantee_amount", "deposit_bank"}:
        assert rules.LABELS[term] == amendments.LABELS[term]
    for term in AMENDABLE_TERMS:
        label = amendments.LABELS[term]
        assert AmendmentForm.base_fields[term].label in (label, f"{label}(全角)")
        assert AmendmentRequest._meta.get_field(term).verbose_name == f"変更後の{label}"


def test_the_period_is_named_by_its_start_and_end_date():
    assert (amendments.LABELS["period_start"], amendments.LABELS["period_end"]) == (
        "工期（開始日）",
        "工期（終了日）",
    )
