"""`manage.py sequence_logs [--loop] [--interval 10]`: run the sequencers of D-Sure's transparency log
and of the audit trail once (or every interval). Each normally runs after a commit that wrote to it
(inline, or as a task on the worker; the audit trail's at most once per AUDIT_SEQUENCE_INTERVAL per
process); this sweeps up what the last writes of a burst, a lost task or a stopped worker left
pending, so no entry waits for the next write."""

import time

from django.core.management.base import BaseCommand

from audit.sequencer import sequence_pending as sequence_trail
from dsure.transparency import sequence_pending as sequence_log


class Command(BaseCommand):
    help = "Sequence what waits in D-Sure's transparency log and in the audit trail."

    def add_arguments(self, parser):
        parser.add_argument("--loop", action="store_true", help="keep going, every --interval seconds")
        parser.add_argument("--interval", type=float, default=10)

    def handle(self, *args, loop, interval, **options):
        while True:
            logged, audited = sequence_log(), sequence_trail()
            if logged or audited or not loop:
                self.stdout.write(f"sequenced {logged} log entries, {audited} audit entries")
            if not loop:
                return
            time.sleep(interval)
