from django.contrib.auth.models import AbstractUser


class User(AbstractUser):
    """Every person who logs in: contractor staff, branch clerks, ordering-body officials, admins.

    A custom model from day one (Django's advice); roles are not flags here but the row that ties a
    user to their organisation, owned by the app of that portal: netdesk.Member (a company),
    issuers.Clerk (a branch), dsure.Official (an ordering body).
    """

    class Meta:
        verbose_name = "利用者"
        verbose_name_plural = "利用者"
