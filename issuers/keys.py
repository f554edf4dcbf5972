"""認証キー: generation from a CSPRNG, and encryption at rest so Net Desk can show it again."""

import secrets

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings

# Both cases and digits without the look-alikes 0/O/o and 1/l/I: 56 symbols, 12 of them ≈ 69.7 bits.
KEY_ALPHABET = "".join(
    c for c in "23456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c not in "0Oo1lI"
)
KEY_LENGTH = 12


def generate_key() -> str:
    return "".join(secrets.choice(KEY_ALPHABET) for _ in range(KEY_LENGTH))


def _fernet() -> MultiFernet:
    # KEY_ENCRYPTION_KEY may list several Fernet keys, newest first ("new,old"): new keys are encrypted
    # with the first, stored ones decrypt with whichever matches (rotation: docs/operations.md).
    return MultiFernet(
        [Fernet(part.strip()) for part in settings.KEY_ENCRYPTION_KEY.split(",") if part.strip()]
    )


def encrypt_key(key: str) -> str:
    return _fernet().encrypt(key.encode()).decode()


def decrypt_key(ciphertext: str) -> str:
    try:
        return _fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken as error:
        raise ValueError("the 認証キー cannot be decrypted with this KEY_ENCRYPTION_KEY") from error
