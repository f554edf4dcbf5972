"""`manage.py audit_verify`: sequence what is pending, then check the whole trail; OK with the count,
or the first broken entry and a non-zero exit status. With --archive FILE: check an archive file
written by audit_archive against its recorded segment instead."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from audit.archive import ArchiveError, verify_segment_file
from audit.models import ArchivedSegment
from audit.sequencer import sequence_pending
from audit.verify import verify_chain


class Command(BaseCommand):
    help = "Verify the audit trail (positions, hashes, seals, chain) and name the first broken entry."

    def add_arguments(self, parser):
        parser.add_argument("--archive", type=Path, help="check this archive file (audit_archive) instead")

    def handle(self, *args, archive, **options):
        if archive is not None:
            return self._archive(archive)
        sequence_pending(wait=True)
        report = verify_chain()
        if report.ok:
            waiting = f" ({report.pending} waiting to be sequenced)" if report.pending else ""
            archived = ArchivedSegment.objects.order_by("-last_position").first()
            if archived is not None:
                waiting += f"; positions 1–{archived.last_position} archived, checked by their records"
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

    def _archive(self, path: Path):
        try:
            segment = verify_segment_file(path)
        except (OSError, ValueError, ArchiveError) as error:
            raise CommandError(f"BROKEN: {error}") from error
        self.stdout.write(
            self.style.SUCCESS(
                f"OK: {path.name} holds positions {segment.first_position}–{segment.last_position} "
                f"({segment.entries} entries) as archived."
            )
        )
