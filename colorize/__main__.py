"""`python -m colorize ...`: the command-line interface (see colorize/cli.py)."""
from .cli import run

run()
