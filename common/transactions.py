"""Transaction helpers shared by the apps that queue background work after their writes."""

from django.db import connection, transaction


def on_commit_once(callback) -> None:
    """Run `callback` after the current transaction commits, once however often it is asked for in that
    transaction (a sequencer need run once per batch of writes, not once per write)."""
    if not any(queued is callback for _, queued, _ in connection.run_on_commit):
        transaction.on_commit(callback, robust=True)
