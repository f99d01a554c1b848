"""Typed settings, built once from the environment by the CLI entry; a value that cannot work is
refused here, before anything is spent (docs/configuration.md lists the rules)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    FilePath,
    SecretStr,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict

from gmp import validators

# Bounds: wide enough for any real use, narrow enough that a typo (an extra zero, a unit mix-up)
# is refused instead of stalling a run for hours. Floats never accept NaN or infinity.


class PanelSizes(BaseModel):
    """The market panel's sizes: the first N games of each listing.

    The extractor takes ceil(N / 40) whole pages (gmp/endpoints.py `size_setting`); dbt ranks
    only the first N (`panel_size`), so `gmp transform` checks them too.
    """

    popular_games: int = Field(
        default=500, ge=1, le=10_000, alias="GMP_POPULAR_GAMES", examples=["500"]
    )
    rising_games: int = Field(
        default=500, ge=1, le=10_000, alias="GMP_RISING_GAMES", examples=["500"]
    )
    upcoming_games: int = Field(
        default=200, ge=1, le=10_000, alias="GMP_UPCOMING_GAMES", examples=["200"]
    )

    def sizes(self) -> dict[str, int]:
        """Each size setting's value, by its name (an endpoint's `size_setting`)."""
        return {
            "GMP_POPULAR_GAMES": self.popular_games,
            "GMP_RISING_GAMES": self.rising_games,
            "GMP_UPCOMING_GAMES": self.upcoming_games,
        }


class RawgSettings(PanelSizes, BaseSettings):
    """How to talk to RAWG: where, with which key, how fast and how patiently.

    An empty variable counts as unset (Helm leaves empty values out, shells do not).
    """

    model_config = SettingsConfigDict(frozen=True, extra="ignore", env_ignore_empty=True)

    api_key: SecretStr = Field(default=SecretStr(""), alias="RAWG_API_KEY")
    base_url: Annotated[str, AfterValidator(lambda v: validators.http_url(v, path=True))] = Field(
        default="https://api.rawg.io/api",
        alias="RAWG_BASE_URL",
        examples=["https://api.rawg.io/api"],
    )
    # Polite by default: RAWG documents no per-second limit, and the free quota is monthly.
    concurrency: int = Field(default=4, ge=1, le=64, alias="GMP_CONCURRENCY", examples=["4"])
    max_rps: float = Field(  # 0 = no cap
        default=10.0, ge=0, le=1000, alias="GMP_MAX_RPS", examples=["10"], allow_inf_nan=False
    )
    connect_timeout: float = Field(
        default=5.0, gt=0, le=600, alias="GMP_CONNECT_TIMEOUT", examples=["5"], allow_inf_nan=False
    )
    read_timeout: float = Field(
        default=30.0, gt=0, le=3600, alias="GMP_READ_TIMEOUT", examples=["30"], allow_inf_nan=False
    )
    retry_attempts: int = Field(default=6, ge=1, le=20, alias="GMP_RETRY_ATTEMPTS", examples=["6"])
    retry_wait_initial: float = Field(
        default=1.0,
        ge=0,
        le=3600,
        alias="GMP_RETRY_WAIT_INITIAL",
        examples=["1"],
        allow_inf_nan=False,
    )
    retry_wait_max: float = Field(
        default=60.0,
        ge=0,
        le=3600,
        alias="GMP_RETRY_WAIT_MAX",
        examples=["60"],
        allow_inf_nan=False,
    )
    page_cap: int = Field(default=250, ge=1, le=10_000, alias="GMP_PAGE_CAP", examples=["250"])
    # Detail requests (`GET /games/{id}`) one day's game_details may spend; the default is the
    # free plan's monthly quota less a month of the other daily endpoints (docs/extractor.md).
    details_max_per_day: int = Field(
        default=250, ge=0, le=50_000, alias="GMP_DETAILS_MAX_PER_DAY", examples=["250"]
    )

    @model_validator(mode="after")
    def _waits_in_order(self) -> RawgSettings:
        if self.retry_wait_initial > self.retry_wait_max:
            raise ValueError(
                f"GMP_RETRY_WAIT_INITIAL ({self.retry_wait_initial:g}) is above "
                f"GMP_RETRY_WAIT_MAX ({self.retry_wait_max:g}); e.g. GMP_RETRY_WAIT_INITIAL=1 "
                "GMP_RETRY_WAIT_MAX=60"
            )
        return self


class LakeSettings(BaseSettings):
    """Where the lake lives. No S3_ENDPOINT means AWS S3 with boto3's own credential chain.

    An empty variable counts as unset, except LAKE_PREFIX: an empty prefix is refused.
    """

    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    bucket: Annotated[str, AfterValidator(lambda v: v and validators.bucket_name(v))] = Field(
        default="", alias="LAKE_BUCKET", examples=["game-market-lake"]
    )
    prefix: Annotated[str, AfterValidator(validators.lake_prefix)] = Field(
        default="raw/rawg", alias="LAKE_PREFIX", examples=["raw/rawg"]
    )
    endpoint: Annotated[
        str | None, AfterValidator(lambda v: v and validators.http_url(v, path=False))
    ] = Field(default=None, alias="S3_ENDPOINT", examples=["http://127.0.0.1:8333"])
    access_key_id: str | None = Field(default=None, alias="AWS_ACCESS_KEY_ID")
    secret_access_key: SecretStr | None = Field(default=None, alias="AWS_SECRET_ACCESS_KEY")
    region: Annotated[str, AfterValidator(validators.region)] = Field(
        default="us-east-1", alias="AWS_REGION", examples=["eu-west-1"]
    )
    # How long a partition's commit lease (and a run's heartbeat) lives unrenewed: a run killed
    # while committing holds its partition that long (extractor.commit).
    lease_seconds: float = Field(
        default=30.0,
        ge=1,
        le=3600,
        alias="GMP_LEASE_SECONDS",
        examples=["30"],
        allow_inf_nan=False,
    )

    @field_validator("endpoint", "access_key_id", "secret_access_key", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if value == "" else value

    @field_validator("region", mode="before")
    @classmethod
    def _empty_region_is_default(cls, value: object) -> object:
        return "us-east-1" if value == "" else value

    @field_validator("lease_seconds", mode="before")
    @classmethod
    def _empty_lease_is_default(cls, value: object) -> object:
        return 30.0 if value == "" else value

    @model_validator(mode="after")
    def _credentials_in_pairs(self) -> LakeSettings:
        if bool(self.access_key_id) != bool(self.secret_access_key):
            have, lack = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")[
                :: 1 if self.access_key_id else -1
            ]
            raise ValueError(
                f"{have} is set but {lack} is not: set both, or neither to use boto3's "
                "credential chain (pod role, IRSA)"
            )
        return self

    def secrets(self) -> list[str]:
        return [self.secret_access_key.get_secret_value()] if self.secret_access_key else []


class QuotaSettings(BaseSettings):
    """RAWG's monthly request budget, which `gmp quota` reports against and the guard keeps."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", env_ignore_empty=True)

    # RAWG's free plan: about 20,000 requests a calendar month (UTC).
    monthly_quota: int = Field(
        default=20_000, ge=1, le=100_000_000, alias="GMP_MONTHLY_QUOTA", examples=["20000"]
    )


class LogSettings(BaseSettings):
    """How logs look. An unknown value is refused, never silently replaced by a default."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore", env_ignore_empty=True)

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", alias="GMP_LOG_LEVEL", examples=["INFO"]
    )
    format: Literal["json", "text"] | None = Field(
        default=None, alias="GMP_LOG_FORMAT", examples=["json"]
    )
    debug: bool = Field(default=False, alias="GMP_DEBUG", examples=["1"])

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("format", mode="before")
    @classmethod
    def _lower(cls, value: object) -> object:
        return value.lower() if isinstance(value, str) else value


class WarehouseSettings(PanelSizes):
    """The dbt side's own variables (the profile and its target are checked by `gmp transform`).

    Built from the env mapping `gmp transform` passes on to dbt, so it checks what dbt gets.
    """

    model_config = ConfigDict(frozen=True, extra="ignore")

    target: str = Field(default="dev", alias="DBT_TARGET", examples=["dev"])
    threads: int | None = Field(default=None, ge=1, le=64, alias="DBT_THREADS", examples=["4"])
    duckdb_path: str | None = Field(
        default=None, alias="DUCKDB_PATH", examples=["/var/lib/gmp/warehouse/game_market.duckdb"]
    )
    httpfs_extension: FilePath | None = Field(
        default=None,
        alias="DUCKDB_HTTPFS_EXTENSION",
        examples=[
            "/opt/venv/lib/python3.11/site-packages/duckdb_extension_httpfs/extensions/"
            "v1.5.5/httpfs.duckdb_extension"
        ],
    )

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> WarehouseSettings:
        """An empty variable counts as unset, as everywhere in gmp."""
        return cls.model_validate({k: v for k, v in env.items() if v != ""})
