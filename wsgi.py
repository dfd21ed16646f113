"""WSGI entry point served by gunicorn: ``gunicorn wsgi:app``."""

from mdm import create_app

app = create_app()
