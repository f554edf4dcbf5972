"""Where D-Sure may send a webhook: https only; plain http only to this machine while DEBUG (for trying
a receiver out locally)."""

from urllib.parse import urlsplit

from django.conf import settings

LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


def webhook_url_problem(url: str) -> str:
    """Why this URL is refused, in Japanese ("" when it is acceptable)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 — raises ValueError on a malformed port
    except ValueError:
        return "URLの形式が正しくありません。"
    if not host or len(url) > 500:
        return "URLの形式が正しくありません。"
    if parts.username or parts.password:
        return "URLに利用者名やパスワードを含めないでください。"
    if parts.scheme == "https":
        return ""
    if parts.scheme == "http" and settings.DEBUG and host in LOCAL_HOSTS:
        return ""
    return "送信先URLは https で始まる必要があります。"
