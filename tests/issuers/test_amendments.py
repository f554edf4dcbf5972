"""変更 / 訂正 / 変更取消 and key re-issue: what the history shows in every order, on both sides."""

import datetime

import pytest

from common.certificates import visible_history
from dsure import digest
from dsure.models import Certificate
from issuers import services
from issuers.models import ContractEvent
from tests.issuers.helpers import terms

ISSUE_DAY = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC)


@pytest.fixture
def contract(time_machine, fee_rates, branch_x, body_p, clerk_x):
    time_machine.move_to(ISSUE_DAY, tick=False)
    return services.contract_issue(terms=terms(branch=branch_x, body=body_p), by=clerk_x)


def shown(contract):
    """(label, guarantee amount) per visible history entry, as Net Desk and D-Sure show them."""
    history = visible_history(list(contract.versions.all()))
    return [(e.entry.get_kind_display(), e.change_no, e.shown.content["guarantee_amount"]) for e in history]


def dsure_shown(contract):
    posted = Certificate.objects.get(number=contract.number)
    history = visible_history(list(posted.versions.all()))
    return [(e.entry.get_kind_display(), e.change_no, e.shown.content["guarantee_amount"]) for e in history]


def change(contract, by, amount):
    return services.contract_change(
        contract=contract, amendment=services.Amendment(guarantee_amount=amount), by=by
    )


def correct(contract, by, amount):
    return services.contract_correct(
        contract=contract, amendment=services.Amendment(guarantee_amount=amount), by=by
    )


def test_a_change_adds_henkou_one_under_the_same_number_and_key(contract, clerk_x):
    key = services.current_key(contract)
    version = change(contract, clerk_x, 18_000_000)
    assert version.change_no == 1
    assert version.content["number"] == contract.number
    assert version.content["change_no"] == 1
    assert shown(contract) == [("新規", 0, 20_000_000), ("変更", 1, 18_000_000)]
    assert services.current_key(contract) == key
    posted = Certificate.objects.get(number=contract.number)
    assert digest.key_matches(contract.number, key, version=posted.digest_version, digest=posted.key_digest)


def test_correction_replaces_the_current_content_and_adds_no_entry(contract, clerk_x):
    correct(contract, clerk_x, 19_000_000)
    assert shown(contract) == [("新規", 0, 19_000_000)]


def test_correction_of_a_change_keeps_it_as_the_change(contract, clerk_x):
    change(contract, clerk_x, 18_000_000)
    correct(contract, clerk_x, 17_000_000)
    assert shown(contract) == [("新規", 0, 20_000_000), ("変更", 1, 17_000_000)]


def test_cancelling_a_change_restores_the_previous_version(contract, clerk_x):
    change(contract, clerk_x, 18_000_000)
    services.contract_cancel_change(contract=contract, by=clerk_x, reason="誤った変更")
    assert shown(contract) == [("新規", 0, 20_000_000)]
    assert services.current_content(contract)["guarantee_amount"] == 20_000_000


def test_a_change_after_a_cancellation_takes_the_freed_number(contract, clerk_x):
    change(contract, clerk_x, 18_000_000)
    services.contract_cancel_change(contract=contract, by=clerk_x, reason="誤った変更")
    version = change(contract, clerk_x, 16_000_000)
    assert version.change_no == 1
    assert shown(contract) == [("新規", 0, 20_000_000), ("変更", 1, 16_000_000)]


def test_two_changes_then_cancel_then_correct(contract, clerk_x):
    change(contract, clerk_x, 18_000_000)
    change(contract, clerk_x, 15_000_000)
    services.contract_cancel_change(contract=contract, by=clerk_x, reason="誤った変更")
    correct(contract, clerk_x, 17_500_000)
    assert shown(contract) == [("新規", 0, 20_000_000), ("変更", 1, 17_500_000)]


def test_dsure_shows_the_same_history_as_the_issuer(contract, clerk_x):
    change(contract, clerk_x, 18_000_000)
    correct(contract, clerk_x, 17_000_000)
    change(contract, clerk_x, 16_000_000)
    services.contract_cancel_change(contract=contract, by=clerk_x, reason="誤った変更")
    assert dsure_shown(contract) == shown(contract) == [("新規", 0, 20_000_000), ("変更", 1, 17_000_000)]


def test_the_first_certificate_cannot_be_cancelled(contract, clerk_x):
    with pytest.raises(services.IssueError, match="取り消せる変更がありません"):
        services.contract_cancel_change(contract=contract, by=clerk_x, reason="誤った変更")


def test_a_change_that_changes_nothing_is_refused(contract, clerk_x):
    with pytest.raises(services.IssueError, match="変更する項目がありません"):
        change(contract, clerk_x, 20_000_000)


def test_a_change_of_the_period_moves_the_guarantee_deadline(contract, clerk_x):
    version = services.contract_change(
        contract=contract, amendment=services.Amendment(period_end=datetime.date(2027, 6, 30)), by=clerk_x
    )
    assert version.content["guarantee_deadline"] == "2027-06-30"


def test_a_guarantee_above_the_contract_amount_is_refused(contract, clerk_x):
    with pytest.raises(services.IssueError, match="請負金額以下"):
        change(contract, clerk_x, 60_000_000)


def test_every_amendment_is_recorded(contract, clerk_x):
    change(contract, clerk_x, 18_000_000)
    correct(contract, clerk_x, 17_000_000)
    services.contract_cancel_change(contract=contract, by=clerk_x, reason="誤った変更")
    actions = list(ContractEvent.objects.filter(contract=contract).values_list("action", flat=True))
    assert actions.count("post") == 4
    assert {"issue", "change", "correction", "cancellation"} <= set(actions)


def test_key_reissue_kills_the_old_key_at_once(contract, clerk_x):
    old_key = services.current_key(contract)
    Certificate.objects.filter(number=contract.number).update(consecutive_failures=100, locked_at=ISSUE_DAY)
    new_key = services.key_reissue(contract=contract, by=clerk_x, reason="漏えいの疑い")
    posted = Certificate.objects.get(number=contract.number)
    assert new_key != old_key
    assert services.current_key(contract) == new_key
    assert digest.key_matches(
        contract.number, new_key, version=posted.digest_version, digest=posted.key_digest
    )
    assert not digest.key_matches(
        contract.number, old_key, version=posted.digest_version, digest=posted.key_digest
    )
    assert posted.locked_at is None and posted.consecutive_failures == 0
    assert contract.keys.count() == 2
    assert ContractEvent.objects.filter(
        contract=contract, action="key_reissue", detail="漏えいの疑い"
    ).exists()
