"""What every portal does alike: a login that admits only its own users, and a decorator that keeps
everyone else out. Each portal says who belongs to it with a function of the user."""

from collections.abc import Callable
from functools import wraps

from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render

from accounts.throttle import ThrottledLoginMixin

BelongsTo = Callable[[object], object | None]


class PortalAuthenticationForm(ThrottledLoginMixin, AuthenticationForm):
    """A login form that refuses users of the other portals with the same words as a bad password,
    so the form does not tell which accounts exist elsewhere. Throttled like the admin's login."""

    belongs_to: BelongsTo = staticmethod(lambda user: None)

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if self.belongs_to(user) is None:
            raise forms.ValidationError(
                self.error_messages["invalid_login"],
                code="invalid_login",
                params={"username": self.username_field.verbose_name},
            )


def portal_login_view(*, belongs_to: BelongsTo, template_name: str, next_page: str | None = None):
    """`next_page`: where a login without ?next= goes (else settings.LOGIN_REDIRECT_URL)."""
    form_class = type("LoginForm", (PortalAuthenticationForm,), {"belongs_to": staticmethod(belongs_to)})
    return auth_views.LoginView.as_view(
        template_name=template_name,
        authentication_form=form_class,
        redirect_authenticated_user=False,
        next_page=next_page,
    )


def portal_required(*, belongs_to: BelongsTo, login_url: str, portal_name: str, attribute: str):
    """Anonymous users go to the portal's login; logged-in users of another portal get a 403 page.
    The portal's own object (company, official) is put on the request as `attribute`."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path(), login_url)
            owner = belongs_to(request.user)
            if owner is None:
                return render(
                    request,
                    "portal_forbidden.html",
                    {"portal_name": portal_name, "login_url": login_url},
                    status=403,
                )
            setattr(request, attribute, owner)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
