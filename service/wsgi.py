"""``gunicorn newssift.service.wsgi:app``: the app built from environment variables."""

from newssift.service.app import create_app

app = create_app()
