"""Who may use D-Sure: officials of a registered ordering body, each seeing only their body's.

Three rules live here because every page needs them:
- the key never travels in a URL: a request whose query string names a key is refused (400) before
  anything else happens (not even a redirect to the login, whose `next` would carry it on);
- an official's session ends after an hour without a request;
- a certificate page is shown only to an official of the certificate's body who unlocked it with its
  key in this session (a "grant"); anything else is a 404.
"""

import hashlib
import time
import unicodedata
from functools import wraps

from django.contrib.sessions.backends.base import UpdateError
from django.contrib.sessions.exceptions import SessionInterrupted
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.urls import reverse_lazy
from django.utils.functional import SimpleLazyObject
from django.views.decorators.cache import never_cache

from accounts.portals import portal_login_view, portal_required
from dsure.models import Certificate, Official
from dsure.selectors import unread_notice_count

SESSION_IDLE_SECONDS = 3600
SESSION_REFRESH_SECONDS = 60
SESSION_REFRESHED = "dsure_expiry_refreshed"
GRANTS_SESSION_KEY = "dsure_grants"
MAX_GRANTS = 50  # keeps the session small; the oldest grant goes first


_OFFICIAL_OF_USER = Official._meta.get_field("user").remote_field


def official_of(user) -> Official | None:
    """The user's Official with its body (every D-Sure page needs both): no query for the user of a
    session, which dsure.auth loads with them; else one. The official's user is the one already
    loaded, so an audit entry naming it costs no query."""
    if not user.is_authenticated:
        return None
    if _OFFICIAL_OF_USER.is_cached(user):
        official = _OFFICIAL_OF_USER.get_cached_value(user)
    else:
        official = Official.objects.select_related("body").filter(user_id=user.pk).first()
    if official is not None:
        official.user = user
    return official


def _names_a_key(name: str) -> bool:
    # NFKC first: a full-width ｋｅｙ or a half-width 認証ｷｰ is the same name to a person.
    name = unicodedata.normalize("NFKC", name).casefold()
    return "key" in name or "認証キー" in name or "ninsho" in name


def refuse_key_in_url(view):
    """400 for any request whose query string carries a key parameter. The response echoes nothing
    of the request, and Django logs only the path (without the query string) of a 400."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if any(_names_a_key(name) for name in request.GET):
            response = render(request, "dsure/key_in_url.html", status=400)
            response["Cache-Control"] = "no-store"
            return response
        return view(request, *args, **kwargs)

    return wrapper


_portal_required = portal_required(
    belongs_to=official_of,
    login_url=reverse_lazy("dsure:login"),
    portal_name="保証確認サービス（D-Sure）",
    attribute="official",
)


def official_required(view):
    """Officials only (others: login or 403), the key never in the URL, an hour's idle timeout."""

    @wraps(view)
    def with_idle_timeout(request, *args, **kwargs):
        # Sliding expiry, refreshed at most once a minute: rewriting the session row on every page
        # cost each D-Sure request a write (docs/performance.md).
        now = int(time.time())
        if now - request.session.get(SESSION_REFRESHED, 0) >= SESSION_REFRESH_SECONDS:
            request.session.set_expiry(SESSION_IDLE_SECONDS)
            request.session[SESSION_REFRESHED] = now
        # The header's 通知 count: one query, and only on pages that show the header.
        request.unread_notices = SimpleLazyObject(lambda: unread_notice_count(request.official))
        return view(request, *args, **kwargs)

    return refuse_key_in_url(_portal_required(with_idle_timeout))


login_view = refuse_key_in_url(
    never_cache(
        portal_login_view(
            belongs_to=official_of, template_name="dsure/login.html", next_page=reverse_lazy("dsure:home")
        )
    )
)


def _key_fingerprint(certificate: Certificate) -> str:
    """Changes when the key is re-issued, so grants made with the old key die with it. A hash of the
    digest, not the digest: the session table is no place for it."""
    material = f"{certificate.digest_version}:{certificate.key_digest}".encode()
    return hashlib.sha256(material).hexdigest()[:16]


def grant(request, certificate: Certificate) -> None:
    """Remember in the (server-side) session that this official unlocked this certificate.

    The session is written at once, in the caller's transaction (the lookup's: one commit for the
    attempt, its audit entry and the grant), unless something else in it already waits for the
    response (the idle expiry's refresh, whose cookie the response must carry): then the session
    middleware writes both. A session that ended meanwhile (logout in another tab) is a 400, and the
    caller's transaction rolls back with it."""
    session = request.session
    write_now = not session.modified
    grants = dict(session.get(GRANTS_SESSION_KEY, {}))
    grants.pop(str(certificate.public_id), None)
    grants[str(certificate.public_id)] = _key_fingerprint(certificate)
    while len(grants) > MAX_GRANTS:
        grants.pop(next(iter(grants)))
    session[GRANTS_SESSION_KEY] = grants
    if write_now:
        try:
            session.save()
        except UpdateError as error:
            raise SessionInterrupted("the session ended during the lookup") from error
        session.modified = False


def certificate_for_official(request, public_id) -> Certificate:
    """The certificate behind an opaque id, if this official's body owns it and the official unlocked
    it with its current key in this session; else 404."""
    grants = request.session.get(GRANTS_SESSION_KEY, {})
    if str(public_id) not in grants:
        raise Http404
    certificate = get_object_or_404(Certificate, public_id=public_id, body_id=request.official.body_id)
    if grants[str(public_id)] != _key_fingerprint(certificate):
        raise Http404
    return certificate
