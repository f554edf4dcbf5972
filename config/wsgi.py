import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
application = get_wsgi_application()

# What is loaded now — Django, the apps, their models and modules, about 190,000 objects — lives as
# long as the worker. Left to the cyclic garbage collector, every full collection walked all of it:
# a 100–160 ms pause every few hundred requests, which was most of the lists' p99 (docs/performance.md,
# "The tail of the lists"). Frozen, a full collection walks only what requests created since.
gc.collect()
gc.freeze()
