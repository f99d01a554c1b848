"""RAWG API -> S3 data lake extractor for the Game Market Pipeline."""

from importlib.metadata import version

# pyproject.toml's version, as installed.
__version__ = version("game-market-pipeline")
