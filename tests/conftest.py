"""Named personas (healthchecks style): contractor A and B, clerk of branch X (長野) and Y (栃木),
official of body P (小谷村) and Q (栃木県), and a superuser. Password for all: "pw"."""

import datetime
import os

import pytest
from hypothesis import settings

from issuers.models import FeeRate
from seals import pki
from tests import factories

# CI replays the same examples every run, so a submission never fails on a draw nobody has seen; a
# developer's `make test` draws new ones each time and finds what CI would not (docs/security.md).
settings.register_profile("ci", derandomize=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


@pytest.fixture(scope="session", autouse=True)
def demo_pki():
    """The demo PKI (settings_test: a temporary folder), made once per session on the real clock, so
    that tests travelling in time seal under a root that was valid when they run."""
    pki.ensure_demo_pki()


@pytest.fixture
def company_a(db):
    return factories.CompanyFactory(name="北アルプス建設株式会社")


@pytest.fixture
def company_b(db):
    return factories.CompanyFactory(name="那須野土木株式会社", address="栃木県宇都宮市見本町4-5-6")


@pytest.fixture
def contractor_a(company_a):
    return factories.MemberFactory(user__username="alice", company=company_a).user


@pytest.fixture
def contractor_b(company_b):
    return factories.MemberFactory(user__username="bob", company=company_b).user


@pytest.fixture
def branch_x(db):
    return factories.BranchFactory()


@pytest.fixture
def branch_y(db):
    return factories.BranchFactory(
        code="09", name="栃木支店", tel="028-639-2388", fax="0120-027-316", email=""
    )


@pytest.fixture
def body_p(db):
    return factories.OrderingBodyFactory()


@pytest.fixture
def body_q(db):
    return factories.OrderingBodyFactory(
        code="090000",
        name="栃木県",
        head_title="栃木県知事",
        prefecture="栃木県",
        esurety_start=datetime.date(2024, 4, 1),
    )


@pytest.fixture
def body_paper_only(db):
    return factories.OrderingBodyFactory(
        code="200000", name="長野県", head_title="長野県知事", prefecture="長野県", esurety_start=None
    )


@pytest.fixture
def clerk_x(branch_x):
    return factories.ClerkFactory(user__username="xavier", branch=branch_x).user


@pytest.fixture
def clerk_y(branch_y):
    return factories.ClerkFactory(user__username="yuki", branch=branch_y).user


@pytest.fixture
def official_p(body_p):
    body = factories.DsureBodyFactory(code=body_p.code, name=body_p.name)
    return factories.OfficialFactory(user__username="paul", body=body).user


@pytest.fixture
def official_q(body_q):
    body = factories.DsureBodyFactory(code=body_q.code, name=body_q.name)
    return factories.OfficialFactory(user__username="quinn", body=body).user


@pytest.fixture
def superuser(db):
    return factories.UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def application_a(company_a, contractor_a, body_p, branch_x):
    """Contractor A's complete draft for both products, electronic, to 長野支店 for 小谷村."""
    return factories.ApplicationFactory(
        company=company_a, created_by=contractor_a, ordering_body=body_p, branch=branch_x
    )


@pytest.fixture
def fee_rates(db):
    FeeRate.objects.create(product="advance", annual_rate="0.00250", minimum_fee=3000)
    FeeRate.objects.create(product="performance", annual_rate="0.00400", minimum_fee=3000)
    FeeRate.objects.create(product="intermediate", annual_rate="0.00065", minimum_fee=0, flat=True)
