"""Where D-Sure may send a webhook: https only; plain http only to this machine while DEBUG (for trying
a receiver out locally). Before each delivery the host must also resolve to public addresses only, so
that an endpoint cannot point D-Sure at its own network (a blind SSRF); the request itself then goes to
an address checked as it connects (dsure.deliveries._pinned_session), so DNS rebinding gains nothing."""

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
URL_MAX = 500
INTERNAL_ADDRESS = "送信先が内部ネットワークのアドレスです。"


def webhook_url_problem(url: str) -> str:
    """Why this URL is refused, in Japanese ("" when it is acceptable)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 — raises ValueError on a malformed port
    except ValueError:
        return "URLの形式が正しくありません。"
    if not host or len(url) > URL_MAX:
        return "URLの形式が正しくありません。"
    # A secret in the URL would be shown in the API's list, the audit trail and the admin.
    if parts.username or parts.password:
        return "URLに利用者名やパスワードを含めないでください。"
    if "?" in url:
        return "URLにクエリ文字列（?以降）を含めないでください。"
    if parts.scheme == "https":
        return ""
    if parts.scheme == "http" and settings.DEBUG and host in LOCAL_HOSTS:
        return ""
    return "送信先URLは https で始まる必要があります。"


def webhook_destination_problem(url: str) -> str:
    """webhook_url_problem, and the host's addresses: none may be private, loopback, link-local or
    reserved (except this machine while DEBUG, as above)."""
    problem = webhook_url_problem(url)
    if problem:
        return problem
    host = urlsplit(url).hostname
    if settings.DEBUG and host in LOCAL_HOSTS:
        return ""
    try:
        addresses = {info[4][0] for info in socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)}
    except (OSError, UnicodeError):
        return "送信先のホスト名を解決できません。"
    if not all(ipaddress.ip_address(address.split("%")[0]).is_global for address in addresses):
        return INTERNAL_ADDRESS
    return ""
