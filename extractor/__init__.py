"""RAWG API -> S3 data lake extractor for the Game Market Pipeline."""

__version__ = "0.1.0"
