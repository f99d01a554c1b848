"""`python -m gmp`: the same as the `gmp` command."""

from gmp.cli import app

app()
