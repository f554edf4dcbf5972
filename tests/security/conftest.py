import pytest

from tests.security.world import NOW, build_world


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def world(
    now,
    company_a,
    company_b,
    contractor_a,
    contractor_b,
    branch_x,
    branch_y,
    body_p,
    body_q,
    clerk_x,
    clerk_y,
    official_p,
    official_q,
    superuser,
):
    return build_world(
        company_a=company_a,
        company_b=company_b,
        contractor_a=contractor_a,
        contractor_b=contractor_b,
        branch_x=branch_x,
        branch_y=branch_y,
        body_p=body_p,
        body_q=body_q,
        clerk_x=clerk_x,
        clerk_y=clerk_y,
        official_p=official_p,
        official_q=official_q,
        superuser=superuser,
    )
