"""`manage.py audit_verify`: sequence what is pending, then check the whole trail; OK with the count,
or the first broken entry and a non-zero exit status."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audit.sequencer import sequence_pending
from audit.verify import verify_chain


class Command(BaseCommand):
    help = "Verify the audit trail (positions, hashes, seals, chain) and name the first broken entry."

    def handle(self, *args, **options):
        sequence_pending()
        report = verify_chain()
        if report.ok:
            waiting = f" ({report.pending} waiting to be sequenced)" if report.pending else ""
            self.stdout.write(self.style.SUCCESS(f"OK: {report.verified} audit entries verified{waiting}."))
            return
        entry = report.broken
        where = (
            f"entry id={entry.pk} at={timezone.localtime(entry.at).isoformat()} action={entry.action}"
            if entry is not None
            else "the trail's start"
        )
        raise CommandError(
            f"BROKEN at {where}: {report.reason} ({report.verified} entries verified before it)."
        )
