import datetime

import pytest
from django.db import connection

from issuers import services
from issuers.models import FeeRate
from tests.issuers.helpers import terms

NOW = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC)

on_postgresql = connection.vendor == "postgresql"


@pytest.fixture
def fee_rates(db):
    FeeRate.objects.create(product="advance", annual_rate="0.00250", minimum_fee=3000)
    FeeRate.objects.create(product="performance", annual_rate="0.00400", minimum_fee=3000)


@pytest.fixture
def contract(time_machine, fee_rates, branch_x, body_p, clerk_x, django_capture_on_commit_callbacks):
    """An electronic 前払金保証 issued by clerk X for 小谷村: a key, version 1, posted to D-Sure; what
    runs after the commit (the audit sequencer, the e-mail) has run."""
    time_machine.move_to(NOW, tick=True)
    with django_capture_on_commit_callbacks(execute=True):
        return services.contract_issue(terms=terms(branch=branch_x, body=body_p), by=clerk_x)
