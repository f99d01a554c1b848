"""Settings every command loads the same way: RAWG's, the lake's, logging; checked (exit 2)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from gmp.boundary import known_secrets, load_settings
from gmp.errors import UsageError
from gmp.logs import setup_logging

if TYPE_CHECKING:
    from gmp.settings import LakeSettings, QuotaSettings, RawgSettings


# workflows/names.py SECRET: the Secret the Argo templates read the key from (optional there,
# so that a missing key reaches this message instead of leaving the pod Pending).
KEY_SECRET = "game-market-pipeline-secrets"  # noqa: S105 - a name, not a value
MISSING_KEY = (
    f"RAWG_API_KEY is not set (Secret {KEY_SECRET}, key RAWG_API_KEY): put your key there "
    "(or export RAWG_API_KEY when running locally); get one at https://rawg.io/apidocs"
)


def rawg_settings(*, key_required: bool = True) -> RawgSettings:
    """RAWG's settings, checked; without a key every RAWG request would be refused (401)."""
    from gmp.settings import RawgSettings

    settings = load_settings(RawgSettings)
    if key_required and not settings.api_key.get_secret_value().strip():
        raise UsageError(MISSING_KEY)
    return settings


def lake_settings(*, bucket_required: bool = True) -> LakeSettings:
    from gmp.settings import LakeSettings

    settings = load_settings(LakeSettings)
    if bucket_required and not settings.bucket:
        raise UsageError(
            "LAKE_BUCKET is not set: name the S3 bucket that holds the lake "
            "(e.g. LAKE_BUCKET=game-market-lake)"
        )
    return settings


def quota_settings() -> QuotaSettings:
    from gmp.settings import QuotaSettings

    return load_settings(QuotaSettings)


def setup_logs(verbose: bool = False) -> None:
    """Logging from GMP_LOG_LEVEL / GMP_LOG_FORMAT; an unknown value is refused (exit 2)."""
    from gmp.settings import LogSettings

    logs = load_settings(LogSettings)
    json = None if logs.format is None else logs.format == "json"
    setup_logging(known_secrets(), level="DEBUG" if verbose else logs.level, json=json)
