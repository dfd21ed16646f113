"""``python -m mdm``: the hub's command line."""

from mdm.cli import cli

cli()
