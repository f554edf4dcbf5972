"""Rotating the two key secrets as docs/operations.md says keeps every issued 認証キー working."""

from cryptography.fernet import Fernet

from dsure.digest import key_digest, key_matches
from issuers.keys import decrypt_key, encrypt_key

KEY = "Ab3dEf7GhJkM"


def test_a_new_encryption_key_in_front_still_decrypts_keys_stored_under_the_old(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.KEY_ENCRYPTION_KEY = old
    stored = encrypt_key(KEY)
    settings.KEY_ENCRYPTION_KEY = f"{new},{old}"
    assert decrypt_key(stored) == KEY
    fresh = encrypt_key(KEY)
    settings.KEY_ENCRYPTION_KEY = new  # new ciphertexts need only the new key
    assert decrypt_key(fresh) == KEY


def test_a_new_digest_secret_in_front_still_verifies_digests_made_with_the_old(settings):
    settings.KEY_DIGEST_SECRETS = ["v1:old-secret"]
    version, digest = key_digest("20-2025-0001", KEY)
    settings.KEY_DIGEST_SECRETS = ["v2:new-secret", "v1:old-secret"]
    assert key_matches("20-2025-0001", KEY, version=version, digest=digest)
    assert not key_matches("20-2025-0001", "Zz3dEf7GhJkM", version=version, digest=digest)
    assert key_digest("20-2025-0001", KEY)[0] == "v2"
    settings.KEY_DIGEST_SECRETS = ["v2:new-secret"]  # dropped too early: old digests stop verifying
    assert not key_matches("20-2025-0001", KEY, version=version, digest=digest)
