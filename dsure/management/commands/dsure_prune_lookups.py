"""Delete lookup attempts past the operator's retention (LOOKUP_RETENTION_DAYS, or --days), so the
table the throttle and 閲覧履歴 read stays the size of that period, not of every year of the service.
Run it daily from cron; the audit trail keeps every lookup (docs/performance.md, "Tables that grow")."""

import datetime

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from dsure.services import lookup_attempts_prune


class Command(BaseCommand):
    help = "Delete D-Sure lookup attempts older than the retention period (days)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="default: LOOKUP_RETENTION_DAYS")

    def handle(self, *args, days, **options):
        days = settings.LOOKUP_RETENTION_DAYS if days is None else days
        try:
            deleted = lookup_attempts_prune(older_than=datetime.timedelta(days=days))
        except ValueError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(f"{deleted} lookup attempt(s) older than {days} days deleted")
