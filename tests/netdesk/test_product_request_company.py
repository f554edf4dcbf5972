"""The company copied onto each product request (so a company's lists read one index) is always its
application's: set when the request is made, and on PostgreSQL any other value is refused by the
database itself (a composite foreign key, netdesk/migrations/0008)."""

import uuid

import pytest
from django.db import IntegrityError, connection, transaction

from netdesk import services
from netdesk.models import ProductRequest


def test_a_new_application_s_requests_carry_its_company(company_a, contractor_a):
    application = services.application_create(company=company_a, by=contractor_a, client_token=uuid.uuid4())

    requests = list(ProductRequest.objects.filter(application=application))

    assert len(requests) == 2
    assert {request.company_id for request in requests} == {company_a.pk}


def test_a_company_sees_only_its_own_requests_through_the_copy(application_a, company_a, company_b):
    assert ProductRequest.objects.filter(company=company_a).count() == 2
    assert not ProductRequest.objects.filter(company=company_b).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the composite foreign key is PostgreSQL's")
@pytest.mark.parametrize("how", ["update", "insert"])
def test_the_database_refuses_a_company_other_than_the_application_s(how, application_a, company_b):
    request = application_a.products.first()
    with pytest.raises(IntegrityError), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        if how == "update":
            ProductRequest.objects.filter(pk=request.pk).update(company=company_b)
        else:
            request.pk, request.product = None, "other"
            request.company = company_b
            request.save()
