"""Typed settings for the extractor, built once from the environment by the CLI entry."""

from __future__ import annotations

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class RawgSettings(BaseSettings):
    """How to talk to RAWG: where, with which key, how fast and how patiently."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    api_key: SecretStr = Field(default=SecretStr(""), alias="RAWG_API_KEY")
    base_url: str = Field(default="https://api.rawg.io/api", alias="RAWG_BASE_URL")
    # Polite by default: RAWG documents no per-second limit, and the free quota is monthly.
    concurrency: int = Field(default=4, ge=1, le=64, alias="GMP_CONCURRENCY")
    max_rps: float = Field(default=10.0, ge=0, alias="GMP_MAX_RPS")  # 0 = no cap
    connect_timeout: float = Field(default=5.0, gt=0, alias="GMP_CONNECT_TIMEOUT")
    read_timeout: float = Field(default=30.0, gt=0, alias="GMP_READ_TIMEOUT")
    retry_attempts: int = Field(default=6, ge=1, alias="GMP_RETRY_ATTEMPTS")
    retry_wait_initial: float = Field(default=1.0, ge=0, alias="GMP_RETRY_WAIT_INITIAL")
    retry_wait_max: float = Field(default=60.0, ge=0, alias="GMP_RETRY_WAIT_MAX")
    page_cap: int = Field(default=250, ge=1, alias="GMP_PAGE_CAP")


class LakeSettings(BaseSettings):
    """Where the lake lives. No S3_ENDPOINT means AWS S3 with boto3's own credential chain."""

    model_config = SettingsConfigDict(frozen=True, extra="ignore")

    bucket: str = Field(default="", alias="LAKE_BUCKET")
    prefix: str = Field(default="raw/rawg", alias="LAKE_PREFIX")
    endpoint: str | None = Field(default=None, alias="S3_ENDPOINT")
    access_key_id: str | None = Field(default=None, alias="AWS_ACCESS_KEY_ID")
    secret_access_key: SecretStr | None = Field(default=None, alias="AWS_SECRET_ACCESS_KEY")
    region: str = Field(default="us-east-1", alias="AWS_REGION")

    def secrets(self) -> list[str]:
        return [self.secret_access_key.get_secret_value()] if self.secret_access_key else []
