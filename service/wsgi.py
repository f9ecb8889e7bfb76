"""``gunicorn service.wsgi:app``: the app built from environment variables."""

from service.app import create_app

app = create_app()
