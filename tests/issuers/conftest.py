import pytest

from issuers.models import FeeRate


@pytest.fixture
def fee_rates(db):
    FeeRate.objects.create(product="advance", annual_rate="0.00250", minimum_fee=3000)
    FeeRate.objects.create(product="performance", annual_rate="0.00400", minimum_fee=3000)
