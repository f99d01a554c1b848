"""What a usable value looks like: URLs, S3 bucket names, lake prefixes, regions.

Each check returns the value (normalised where docs/configuration.md says so) or raises
ValueError whose text says what is wrong; the CLI boundary names the variable and adds an example.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

# S3's naming rules for general purpose buckets (docs.aws.amazon.com/AmazonS3/latest/userguide/
# bucketnamingrules.html): 3-63 of a-z 0-9 . -, a letter or digit at each end, no "..", not an IP
# address, and a few prefixes/suffixes AWS reserves.
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]", re.ASCII)
_BUCKET_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_BUCKET_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")
# A prefix segment: the characters AWS lists as safe in object keys, minus the ones that mean
# something to readers of the lake ("*", "'", "(", ")" — DuckDB globs, SQL quoting, shells).
_SEGMENT = re.compile(r"[A-Za-z0-9._-]+", re.ASCII)
_PREFIX_MAX = 256
_REGION = re.compile(r"[a-z0-9][a-z0-9-]{0,30}[a-z0-9]", re.ASCII)


def bucket_name(value: str) -> str:
    if not _BUCKET.fullmatch(value):
        raise ValueError(
            "is not an S3 bucket name (3-63 characters: lowercase letters, digits, '.' and '-', "
            "a letter or digit at each end)"
        )
    if ".." in value:
        raise ValueError("is not an S3 bucket name: two '.' in a row")
    try:
        ipaddress.IPv4Address(value)
    except ValueError:
        pass
    else:
        raise ValueError("is not an S3 bucket name: it looks like an IP address")
    if value.startswith(_BUCKET_RESERVED_PREFIXES) or value.endswith(_BUCKET_RESERVED_SUFFIXES):
        raise ValueError("is not an S3 bucket name: AWS reserves that prefix or suffix")
    return value


def lake_prefix(value: str) -> str:
    """The prefix without leading/trailing '/' (normalised); anything ambiguous is refused."""
    if value != value.strip():
        raise ValueError("has surrounding whitespace")
    core = value.strip("/")
    if not core:
        raise ValueError(
            "is empty: the lake would sit at the bucket root (and a key starting with '/' is "
            "rewritten by S3 servers)"
        )
    if len(core) > _PREFIX_MAX:
        raise ValueError(f"is longer than {_PREFIX_MAX} characters")
    segments = core.split("/")
    if "" in segments:
        raise ValueError("has an empty segment ('//'): S3 keeps it, most tools collapse it")
    if any(s in (".", "..") for s in segments):
        raise ValueError(
            "has a '.' or '..' segment: S3 keeps it literally, paths and some servers resolve it"
        )
    for segment in segments:
        if not _SEGMENT.fullmatch(segment):
            bad = next(c for c in segment if not _SEGMENT.fullmatch(c))
            raise ValueError(
                f"has the character {bad!r}: use only letters, digits, '-', '_', '.' and '/'"
            )
    return core


def http_url(value: str, *, path: bool) -> str:
    """An http(s) URL with a host and nothing secret or surprising in it; no trailing '/'."""
    if value != value.strip() or any(c.isspace() for c in value):
        raise ValueError("is not a URL: it contains whitespace")
    try:
        parts = urlsplit(value)
        port = parts.port  # raises on a port that is not a number or out of range
    except ValueError:
        raise ValueError("is not a URL: the port is not a number from 1 to 65535") from None
    if parts.scheme not in ("http", "https"):
        raise ValueError("is not an http:// or https:// URL")
    if not parts.hostname:
        raise ValueError("is not a URL: it names no host")
    if port == 0:
        raise ValueError("is not a URL: the port is not a number from 1 to 65535")
    if parts.username is not None or parts.password is not None:
        raise ValueError("carries credentials (user:password@): put them in their own settings")
    if parts.query or parts.fragment or value.endswith(("?", "#")):
        raise ValueError("has a query or fragment ('?', '#'): give the bare root URL")
    if not path and parts.path.strip("/"):
        raise ValueError("has a path: give the server's root URL (path-style addressing)")
    return value.rstrip("/")


def region(value: str) -> str:
    if not _REGION.fullmatch(value):
        raise ValueError("is not a region name (lowercase letters, digits and '-')")
    return value
