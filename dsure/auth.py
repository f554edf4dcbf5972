"""The authentication backend: Django's ModelBackend, but the user of a session comes with their D-Sure
official and its body in the same query (a LEFT JOIN; nothing for other users), so that a D-Sure
request needs no second query to know who asks (dsure.access.official_of; docs/performance.md)."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class UserWithOfficialBackend(ModelBackend):
    def get_user(self, user_id):
        user = get_user_model()._default_manager.select_related("official__body").filter(pk=user_id).first()
        return user if user is not None and self.user_can_authenticate(user) else None
