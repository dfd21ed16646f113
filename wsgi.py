"""WSGI entry point served by gunicorn: ``gunicorn wsgi:app``."""

from hub import create_app

app = create_app()
