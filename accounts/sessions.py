"""Django's database sessions, with one difference: an existing session is saved with a single UPDATE,
without the savepoint Django wraps it in. Outside a transaction that UPDATE commits by itself (one
statement instead of BEGIN, SAVEPOINT-free UPDATE and COMMIT); inside one it joins it, so that the
D-Sure lookup writes the grant in the same commit as its attempt (docs/performance.md). A new session
is created exactly as Django does (the savepoint guards the unique key there)."""

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.backends.db import SessionStore as DatabaseSessionStore
from django.db import DatabaseError, router


class SessionStore(DatabaseSessionStore):
    def save(self, must_create=False):
        if must_create or self.session_key is None:
            return super().save(must_create=must_create)
        session = self.create_model_instance(self._get_session())
        try:
            # force_update: no row (the session ended meanwhile) raises DatabaseError in Python, which
            # leaves no failed statement behind in the caller's transaction.
            session.save(force_update=True, using=router.db_for_write(self.model, instance=session))
        except DatabaseError as error:
            raise UpdateError from error
