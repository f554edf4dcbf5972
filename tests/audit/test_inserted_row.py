"""Issue 12, item 1: a row inserted straight into the audit table, with any id, is found by
audit_verify and is never shown by the admin as part of the trail."""

import io

import pytest
from django.core.management import CommandError, call_command

import audit
from audit.models import AuditEntry, PendingEntry, TrailPosition
from tests.audit.helpers import raw_sql_bypassing_the_trigger

FAR_ABOVE_THE_SEQUENCE = 900_000_000


def _insert_forged_copy_of(entry: AuditEntry, *, pk: int) -> None:
    """What an attacker with the database's password writes: a copy of a genuine entry with its own
    summary and a freshly computed hash (the database queues it for the sequencer like any other), so
    that only what the attacker lacks — the server's secret for the seal — can give it away."""
    forged = AuditEntry(**{f.attname: getattr(entry, f.attname) for f in AuditEntry._meta.concrete_fields})
    forged.pk, forged.summary = pk, "偽造された記録"
    forged.hash = forged.compute_hash()
    fields = AuditEntry._meta.concrete_fields
    columns = ", ".join(f.column for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    with raw_sql_bypassing_the_trigger() as cursor:
        values = [f.get_db_prep_save(getattr(forged, f.attname), connection=cursor.db) for f in fields]
        cursor.execute(f"INSERT INTO audit_auditentry ({columns}) VALUES ({placeholders})", values)


@pytest.mark.parametrize("pk", [FAR_ABOVE_THE_SEQUENCE, 3])
def test_audit_verify_reports_a_row_inserted_with_any_id(db, pk):
    entries = [audit.record(action="test.step", summary=f"手順{n}", step=n) for n in range(1, 3)]
    _insert_forged_copy_of(entries[-1], pk=pk)
    assert PendingEntry.objects.filter(entry_id=pk).exists()  # queued by the database, like any row

    with pytest.raises(CommandError) as error:
        call_command("audit_verify", stdout=io.StringIO())
    assert f"id={pk} " in str(error.value)
    assert not TrailPosition.objects.filter(entry_id=pk).exists()  # the sequencer refused it


def test_the_admin_does_not_list_an_inserted_row(client, superuser, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        genuine = audit.record(action="test.step", summary="本物の記録")
    _insert_forged_copy_of(genuine, pk=FAR_ABOVE_THE_SEQUENCE)

    client.force_login(superuser)
    page = client.get("/admin/audit/auditentry/").content.decode()
    assert "本物の記録" in page
    assert "偽造された記録" not in page
    assert client.get(f"/admin/audit/auditentry/{FAR_ABOVE_THE_SEQUENCE}/change/").status_code in (302, 404)
