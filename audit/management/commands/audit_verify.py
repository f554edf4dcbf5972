"""`manage.py audit_verify`: recompute the audit chain; OK with the count, or the first broken entry
and a non-zero exit status."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audit.verify import verify_chain


class Command(BaseCommand):
    help = "Verify the audit trail's hash chain and name the first broken entry."

    def handle(self, *args, **options):
        report = verify_chain()
        if report.ok:
            self.stdout.write(self.style.SUCCESS(f"OK: {report.verified} audit entries verified."))
            return
        entry = report.broken
        where = (
            f"entry id={entry.pk} at={timezone.localtime(entry.at).isoformat()} action={entry.action}"
            if entry is not None
            else "the chain's start"
        )
        raise CommandError(
            f"BROKEN at {where}: {report.reason} ({report.verified} entries verified before it)."
        )
