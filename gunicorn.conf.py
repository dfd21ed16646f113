"""Gunicorn settings of the hub, shared by `make run` and the log scan test: what the logs may say."""

wsgi_app = "wsgi:app"
bind = "127.0.0.1:5000"
workers = 2

accesslog = "-"
errorlog = "-"
# The path without its query string: %(U)s, not %(r)s (the request line) nor %(q)s, since search criteria are
# personal values (GET /golden?name=…&phone=…). No referer (%(f)s) either: it carries another page's query.
access_log_format = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms'

# Gunicorn's own loggers as by default (access on stdout, errors on stderr), plus the hub's request log.
logconfig_dict = {
    "version": 1,
    "disable_existing_loggers": False,
    "root": {"level": "INFO", "handlers": ["console"]},
    "loggers": {
        "gunicorn.error": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
        "gunicorn.access": {"level": "INFO", "handlers": ["console"], "propagate": False},
        "mdm": {"level": "INFO", "handlers": ["error_console"], "propagate": False},
        # Migrations on start say which plugins they load: noise in a server's log.
        "alembic": {"level": "WARNING", "handlers": ["error_console"], "propagate": False},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "generic", "stream": "ext://sys.stdout"},
        "error_console": {"class": "logging.StreamHandler", "formatter": "generic", "stream": "ext://sys.stderr"},
    },
    "formatters": {
        "generic": {"format": "%(asctime)s [%(process)d] [%(levelname)s] %(name)s: %(message)s",
                    "datefmt": "[%Y-%m-%d %H:%M:%S %z]", "class": "logging.Formatter"},
    },
}
