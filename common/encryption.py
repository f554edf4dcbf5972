"""Secrets the application must read back (認証キー, webhook signing secrets), encrypted at rest with
Fernet. KEY_ENCRYPTION_KEY may list several Fernet keys, newest first ("new,old"): new values are
encrypted with the first, stored ones decrypt with whichever matches (rotation: docs/operations.md)."""

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings


def _fernet() -> MultiFernet:
    return MultiFernet(
        [Fernet(part.strip()) for part in settings.KEY_ENCRYPTION_KEY.split(",") if part.strip()]
    )


def encrypt(plaintext: str) -> str:
    return _fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken as error:
        raise ValueError("cannot be decrypted with this KEY_ENCRYPTION_KEY") from error
