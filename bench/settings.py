"""Settings of `make bench`: the product's own settings (config.settings, read from the environment as
in production) plus the `bench` app and its URLconf, which adds the two ceiling views. Nothing here
changes how the product behaves."""

from config.settings import *  # noqa: F403
from config.settings import INSTALLED_APPS, STATIC_ROOT, env

INSTALLED_APPS = [*INSTALLED_APPS, "bench"]
ROOT_URLCONF = "bench.urls"
# collectstatic of the bench goes to the bench's scratch directory, not the work tree.
STATIC_ROOT = env("STATIC_ROOT", default=str(STATIC_ROOT))
