"""Issued PDFs are written once: locally by default, to an S3-compatible store when configured — here
moto's S3 server, started by the test. Never overwritten, never deleted by the application."""

import datetime
import socket
import subprocess
import sys
import time
from pathlib import Path

import boto3
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone

from common.storage import StoredDocumentDeletion
from issuers import services
from seals.inspection import SealState, check_seal
from tests.issuers.helpers import terms

pytestmark = pytest.mark.django_db
BUCKET = "esurety-documents"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def s3_server():
    port = _free_port()
    server = subprocess.Popen(
        [Path(sys.executable).with_name("moto_server"), "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            if time.monotonic() > deadline:
                server.kill()
                pytest.fail("moto_server did not start")
            time.sleep(0.1)
    try:
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.fixture
def s3(settings, s3_server):
    client = boto3.client(
        "s3",
        endpoint_url=s3_server,
        aws_access_key_id="test",
        aws_secret_access_key="test",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket=BUCKET)
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "common.storage.WriteOnceS3Storage",
            "OPTIONS": {
                "bucket_name": BUCKET,
                "endpoint_url": s3_server,
                "region_name": "us-east-1",
                "access_key": "test",
                "secret_key": "test",
                "file_overwrite": False,
                "default_acl": None,
            },
        },
    }
    return client


def _keys(client) -> list[str]:
    return [item["Key"] for item in client.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


def test_issued_documents_go_to_the_object_store_and_come_back_sealed(
    s3, client, fee_rates, branch_x, body_p, clerk_x, official_p
):
    today = timezone.localdate()
    contract = services.contract_issue(
        terms=terms(
            branch=branch_x,
            body=body_p,
            contract_date=today,
            period_start=today,
            period_end=today + datetime.timedelta(days=200),
        ),
        by=clerk_x,
    )

    keys = _keys(s3)
    version = contract.versions.get()
    assert version.pdf.name in keys
    assert contract.keys.get().notice_pdf.name in keys
    assert version.fee_statement.pdf.name in keys
    stored = s3.get_object(Bucket=BUCKET, Key=version.pdf.name)["Body"].read()
    assert check_seal(stored).state == SealState.INTACT


def test_a_taken_name_gets_a_new_one_and_nothing_is_deleted(s3):
    first = default_storage.save("certificates/x.pdf", ContentFile(b"%PDF-1 first"))
    second = default_storage.save("certificates/x.pdf", ContentFile(b"%PDF-1 second"))

    assert first != second
    assert s3.get_object(Bucket=BUCKET, Key=first)["Body"].read() == b"%PDF-1 first"
    with pytest.raises(StoredDocumentDeletion):
        default_storage.delete(first)
    assert first in _keys(s3)


def test_local_storage_never_overwrites_or_deletes_either(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    first = default_storage.save("fees/y.pdf", ContentFile(b"one"))
    second = default_storage.save("fees/y.pdf", ContentFile(b"two"))

    assert first != second and (tmp_path / first).read_bytes() == b"one"
    with pytest.raises(StoredDocumentDeletion):
        default_storage.delete(first)
