"""manage.py seed_demo and issue_requests."""

import datetime

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import override_settings
from django.utils import timezone

from dsure.models import Official
from issuers.models import Branch, Clerk, GuaranteeContract, OrderingBody
from netdesk.models import Member, ProductRequest, Status
from tests import factories


@override_settings(DEBUG=True)
def test_seed_demo_creates_every_account_and_is_idempotent(db, capsys):
    call_command("seed_demo")
    call_command("seed_demo")
    out = capsys.readouterr().out
    for username in [
        "contractor1",
        "contractor2",
        "staff-nagano",
        "staff-tochigi",
        "official-otari",
        "official-tochigi",
        "admin",
    ]:
        assert authenticate(username=username, password="demo") is not None
        assert username in out
    assert (
        Member.objects.get(user__username="contractor1").company
        != Member.objects.get(user__username="contractor2").company
    )
    assert Clerk.objects.get(user__username="staff-nagano").branch.name == "長野支店"
    assert Official.objects.get(user__username="official-otari").body.name == "小谷村"
    assert Branch.objects.count() == 5
    assert OrderingBody.objects.get(name="小谷村").esurety_start == datetime.date(2026, 4, 1)
    assert OrderingBody.objects.get(name="栃木県").head_title == "栃木県知事"


@override_settings(DEBUG=False)
def test_seed_demo_refuses_in_production_without_force(db):
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo")


def test_issue_requests_issues_the_branchs_pending_requests(
    time_machine, application_a, clerk_x, fee_rates, capsys
):
    time_machine.move_to(datetime.datetime(2026, 6, 1, 10, tzinfo=datetime.UTC), tick=False)
    ProductRequest.objects.filter(application=application_a).update(status=Status.SUBMITTED)
    application_a.submitted_at = timezone.now()
    application_a.save()
    other_branch = factories.ApplicationFactory(
        branch=factories.BranchFactory(code="09", name="栃木支店"), products__status=Status.SUBMITTED
    )
    call_command("issue_requests", "--user", clerk_x.username)
    assert GuaranteeContract.objects.count() == 2
    assert not ProductRequest.objects.filter(application=other_branch, status=Status.ISSUED).exists()
    assert "issued 2, refused 0" in capsys.readouterr().out


def test_issue_requests_refuses_a_user_who_is_not_a_clerk(db, contractor_a):
    with pytest.raises(CommandError):
        call_command("issue_requests", "--user", contractor_a.username)
