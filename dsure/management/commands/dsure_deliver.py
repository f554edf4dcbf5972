"""The delivery sweeper: notice e-mails and webhooks that are due — retries when the task backend cannot
defer them, and deliveries a crashed worker left behind. Run it with --loop beside the worker."""

import time

from django.core.management.base import BaseCommand

from dsure.deliveries import deliveries_due


class Command(BaseCommand):
    help = "Attempt due notice deliveries (e-mail, webhooks); with --loop, every --interval seconds."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true")
        parser.add_argument("--interval", type=int, default=30)

    def handle(self, *args, loop, interval, **options):
        while True:
            attempted = deliveries_due()
            if attempted:
                self.stdout.write(f"{attempted} delivery attempt(s)")
            if not loop:
                return
            time.sleep(interval)
