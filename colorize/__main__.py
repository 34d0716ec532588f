"""`python -m colorize ...`: the command-line interface (see colorize/cli.py)."""
import sys

from .cli import main

sys.exit(main())
