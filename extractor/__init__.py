"""RAWG API -> S3 data lake: the RAWG client, the lake writer, the commit protocol, extraction."""
