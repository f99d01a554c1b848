"""The offline local stack: a RAWG stand-in and a local S3 server (SeaweedFS)."""
