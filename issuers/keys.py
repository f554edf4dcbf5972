"""認証キー: generation from a CSPRNG, and encryption at rest so Net Desk can show it again."""

import secrets

from common import encryption

# Both cases and digits without the look-alikes 0/O/o and 1/l/I: 56 symbols, 12 of them ≈ 69.7 bits.
KEY_ALPHABET = "".join(
    c for c in "23456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c not in "0Oo1lI"
)
KEY_LENGTH = 12


def generate_key() -> str:
    return "".join(secrets.choice(KEY_ALPHABET) for _ in range(KEY_LENGTH))


def encrypt_key(key: str) -> str:
    return encryption.encrypt(key)


def decrypt_key(ciphertext: str) -> str:
    try:
        return encryption.decrypt(ciphertext)
    except ValueError as error:
        raise ValueError("the 認証キー cannot be decrypted with this KEY_ENCRYPTION_KEY") from error
