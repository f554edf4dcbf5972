"""The branches' 取扱箇所 as the leaflets print it under every certificate: TEL and FAX."""

import io

import pytest
from django.core.management import call_command
from django.test import override_settings

from issuers.documents import render_certificate
from issuers.models import Branch
from tests.issuers.test_documents import content, pdf_text

LEAFLET_FAX = {"営業部": "0120-027-036", "栃木支店": "0120-027-316"}  # seed 003
# Seeds 000 and 002 print the 取扱箇所 of their sample certificate as 「FAX: 000-000-0000」.
LEAFLET_PLACEHOLDER = "000-000-0000"


@pytest.mark.django_db
@override_settings(DEBUG=True)
def test_every_seeded_branch_prints_tel_and_fax_under_its_certificates():
    call_command("seed_demo", stdout=io.StringIO())
    branches = list(Branch.objects.all())
    assert branches
    for branch in branches:
        assert branch.fax == LEAFLET_FAX.get(branch.name, LEAFLET_PLACEHOLDER), branch.name
        text = pdf_text(
            render_certificate(content(branch_name=branch.name, branch_tel=branch.tel, branch_fax=branch.fax))
        )
        assert f"取扱箇所{branch.name}TEL：{branch.tel}FAX：{branch.fax}" in text
