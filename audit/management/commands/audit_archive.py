"""`manage.py audit_archive --to DIR`: move the trail's entries older than the retention
(AUDIT_RETENTION_DAYS, or --days) into a file in DIR, keeping the proof in the database
(audit.archive, docs/audit.md). Copy the file to lasting storage; `audit_verify --archive FILE`
checks it at any time."""

import datetime
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from audit.archive import ArchiveError, trail_archive


class Command(BaseCommand):
    help = "Archive the audit trail's entries older than the retention period into a JSON-lines file."

    def add_arguments(self, parser):
        parser.add_argument("--to", dest="directory", required=True, help="directory for the archive file")
        parser.add_argument("--days", type=int, default=None, help="default: AUDIT_RETENTION_DAYS")

    def handle(self, *args, directory, days, **options):
        days = settings.AUDIT_RETENTION_DAYS if days is None else days
        try:
            segment = trail_archive(older_than=datetime.timedelta(days=days), directory=Path(directory))
        except OverflowError:
            raise CommandError(
                f"--days {days} is too long: the retention reaches before the year 1"
            ) from None
        except (ValueError, ArchiveError) as error:
            raise CommandError(str(error)) from error
        except OSError as error:
            raise CommandError(
                f"cannot write the archive in {directory}: {error.strerror or error}; nothing was archived"
            ) from error
        if segment is None:
            self.stdout.write(f"Nothing to archive: no audit entry is older than {days} days.")
            return
        self.stdout.write(
            f"Archived positions {segment.first_position}–{segment.last_position} ({segment.entries} entries) "
            f"to {Path(directory) / segment.file_name} (SHA-256 {segment.file_sha256})."
        )
