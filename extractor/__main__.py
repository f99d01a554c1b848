"""`python -m extractor`: the extractor's commands without the rest of gmp."""

from extractor.cli import main

main()
