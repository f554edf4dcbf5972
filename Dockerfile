# The one image of the app: gunicorn (service "app") and the task worker (service "worker").
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    DJANGO_SETTINGS_MODULE=config.settings \
    MEDIA_ROOT=/data/media

# Japanese TrueType fonts for the PDFs (settings.PDF_FONT_PATH, PDF_GOTHIC_FONT_PATH).
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-ipaexfont \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app

# Dependencies first, so a code change does not reinstall them (the project itself has no packages
# to install: it runs from /app).
COPY pyproject.toml ./
RUN pip install .

COPY . .

# Hashed, compressed static files for whitenoise. Settings need production values to load; these
# throwaway ones exist only during this step and are not kept in the image.
RUN DEBUG=false SECRET_KEY=collectstatic-only ALLOWED_HOSTS=build KEY_ENCRYPTION_KEY=collectstatic-only \
    KEY_DIGEST_SECRETS=v0:collectstatic-only SEAL_KEY_PASSWORD=collectstatic-only TRANSPARENCY_LOG_KEY=collectstatic-only \
    python manage.py collectstatic --noinput

RUN useradd --create-home --uid 1000 app && mkdir -p /data/media /data/pki && chown app /data/media /data/pki
USER app

EXPOSE 8000
CMD ["sh", "-c", "python manage.py migrate --noinput && exec gunicorn config.wsgi -w 2 -b 0.0.0.0:8000"]
