"""`gmp`: the command line of the Game Market Pipeline and the core every part shares.

Commands live in `gmp.commands` (one module per group); the core they and the packages share:
errors and exit codes, dates, the endpoint registry, settings and their validators, redaction,
logging, and the one-line error boundary.
"""

from importlib.metadata import version

# pyproject.toml's version, as installed.
__version__ = version("game-market-pipeline")
