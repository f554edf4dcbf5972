"""The development-only secrets of the embedded default (DEBUG on, nothing configured).

They are in the repository, so they are public: `manage.py check --deploy` refuses each of them
(common/checks.py), whether it came as the default or was pasted into a production environment.
"""

SECRET_KEY = "dev-only-insecure-secret-key-for-the-simulator-0123456789abcdefghijklmnop"
KEY_ENCRYPTION_KEY = "ZGV2LW9ubHktZW5jcnlwdGlvbi1rZXktMzJieXRlcyE="
KEY_DIGEST_SECRET = "dev-only-digest-secret"
SEAL_KEY_PASSWORD = "dev-only-seal-key-password"
TRANSPARENCY_LOG_KEY = (
    "PRIVATE+KEY+d-sure.simulator.invalid/log+2c9907bc+AUsr0ZpdJCSvizYf2zZBzagFawZZbwbq4UgxitXXF1bX"
)
