"""The proof bundle of a real issued certificate, downloaded by the contractor from 詳細 and by the
ordering body's official from D-Sure's certificate page, verifies offline with the one-file verifier
against the published log key; and a contractor cannot download another company's."""

import json
import subprocess
import sys
from pathlib import Path

from django.test import Client

from dsure.transparency import sequence_pending
from issuers import services as issuers_services

VERIFIER = Path(__file__).resolve().parents[2] / "dsure" / "verifier.py"


def _verify(bundle: bytes, tmp_path) -> subprocess.CompletedProcess:
    (tmp_path / "bundle.json").write_bytes(bundle)
    key = Client().get("/dsure/log/key").content.decode().strip()
    return subprocess.run(
        [sys.executable, str(VERIFIER), "bundle", str(tmp_path / "bundle.json"), "--key", key],
        capture_output=True,
        text=True,
    )


def test_the_contractor_and_the_official_download_a_bundle_that_verifies(
    client, advance_a, contractor_a, official_p, tmp_path
):
    sequence_pending()  # as after the issuing commit
    client.force_login(contractor_a)
    detail = client.get(f"/netdesk/contracts/{advance_a.pk}/").content.decode()
    assert f'href="/netdesk/contracts/{advance_a.pk}/proof.json"' in detail
    download = client.get(f"/netdesk/contracts/{advance_a.pk}/proof.json")
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Cache-Control"] == "no-store"
    run = _verify(download.content, tmp_path)
    assert run.returncode == 0, run.stderr
    assert f"OK: {advance_a.number} new" in run.stdout
    assert json.loads(json.loads(download.content)["posting"])["content"]["number"] == advance_a.number

    official = Client()
    official.force_login(official_p)
    found = official.post(
        "/dsure/", {"number": advance_a.number, "key": issuers_services.current_key(advance_a)}
    )
    page = official.get(found["Location"]).content.decode()
    proof_url = f"{found['Location']}proof.json"
    assert f'href="{proof_url}"' in page
    run = _verify(official.get(proof_url).content, tmp_path)
    assert run.returncode == 0, run.stderr


def test_another_company_gets_a_404(client, advance_a, contractor_b):
    sequence_pending()
    client.force_login(contractor_b)
    assert client.get(f"/netdesk/contracts/{advance_a.pk}/proof.json").status_code == 404
