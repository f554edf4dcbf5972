"""The daily expiry task (dsure.events.certificates_expire). Run it from cron shortly after midnight in
Japan, or with --loop: once now, then every day at 00:05 Japan time."""

import datetime
import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from dsure.events import certificates_expire

RUN_AT = datetime.time(0, 5)  # Japan time (TIME_ZONE)


class Command(BaseCommand):
    help = "Move certificates past their 保証期限 to 期限切れ and raise the 期限 notices (Japan time)."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true")

    def handle(self, *args, loop, **options):
        while True:
            self.stdout.write(f"{certificates_expire()} certificate(s) moved to 期限切れ")
            if not loop:
                return
            now = timezone.localtime()
            next_run = datetime.datetime.combine(now.date() + datetime.timedelta(days=1), RUN_AT, now.tzinfo)
            time.sleep((next_run - now).total_seconds())
