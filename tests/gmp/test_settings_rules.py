"""The settings' rules value by value: what is refused, what is normalised, how it reads."""

from __future__ import annotations

import pytest

from gmp.boundary import load_settings
from gmp.errors import UsageError
from gmp.settings import LakeSettings, LogSettings, RawgSettings


@pytest.mark.parametrize(
    ("given", "kept"),
    [("raw/rawg", "raw/rawg"), ("/raw/rawg", "raw/rawg"), ("raw/rawg/", "raw/rawg"),
     ("/raw/", "raw"), ("a.b/c-d/e_f", "a.b/c-d/e_f")],
)  # fmt: skip
def test_lake_prefix_loses_only_outer_slashes(
    monkeypatch: pytest.MonkeyPatch, given: str, kept: str
) -> None:
    monkeypatch.setenv("LAKE_PREFIX", given)
    assert load_settings(LakeSettings).prefix == kept


@pytest.mark.parametrize(
    ("given", "says"),
    [("", "is empty"), ("/", "is empty"), ("//", "is empty"), ("a//b", "empty segment"),
     ("../x", "'..' segment"), ("raw/./rawg", "'.' or '..' segment"), ("raw/rawg/..", "'..'"),
     ("raw rawg", "character ' '"), ("raw/*", "character '*'"), ("raw?x", "character '?'"),
     ("raw\\x", "character '\\\\'"), ("räw", "character 'ä'"), (" raw", "whitespace"),
     ("raw/{a}", "character '{'"), ("a" * 300, "longer than 256")],
)  # fmt: skip
def test_lake_prefix_refusals_name_the_variable_and_an_example(
    monkeypatch: pytest.MonkeyPatch, given: str, says: str
) -> None:
    monkeypatch.setenv("LAKE_PREFIX", given)
    with pytest.raises(UsageError) as caught:
        load_settings(LakeSettings)
    message = str(caught.value)
    assert message.startswith("setting LAKE_PREFIX") and says in message
    assert message.endswith("e.g. LAKE_PREFIX=raw/rawg")


@pytest.mark.parametrize(
    "bucket",
    ["ab", "Lake", "lake_1", "-lake", "lake-", "la..ke", "192.168.1.10", "xn--lake",
     "lake-s3alias", "a" * 64, "lake bucket"],
)  # fmt: skip
def test_bucket_names_follow_s3_rules(monkeypatch: pytest.MonkeyPatch, bucket: str) -> None:
    monkeypatch.setenv("LAKE_BUCKET", bucket)
    with pytest.raises(UsageError, match=r"setting LAKE_BUCKET.* S3 bucket name"):
        load_settings(LakeSettings)


def test_good_bucket_names_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    for bucket in ("lake", "game-market-lake", "my.lake.2024", "a" * 63):
        monkeypatch.setenv("LAKE_BUCKET", bucket)
        assert load_settings(LakeSettings).bucket == bucket


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [("S3_ENDPOINT", "localhost:8333", "http:// or https://"),
     ("S3_ENDPOINT", "http://", "names no host"),
     ("S3_ENDPOINT", "http://host:99999", "port"),
     ("S3_ENDPOINT", "http://host/bucket", "has a path"),
     ("S3_ENDPOINT", "http://user:pw@host", "credentials"),
     ("RAWG_BASE_URL", "api.rawg.io/api", "http:// or https://"),
     ("RAWG_BASE_URL", "https://api.rawg.io/api?key=K", "query"),
     ("RAWG_BASE_URL", "https://api.rawg.io /api", "whitespace")],
)  # fmt: skip
def test_urls(monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(UsageError) as caught:
        load_settings(LakeSettings if name.startswith("S3") else RawgSettings)
    assert says in str(caught.value) and name in str(caught.value)
    assert "pw" not in str(caught.value) and "key=K" not in str(caught.value)


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [("GMP_CONCURRENCY", "many", "is not a whole number; e.g. GMP_CONCURRENCY=4"),
     ("GMP_CONCURRENCY", "0", "must be at least 1"),
     ("GMP_CONCURRENCY", "1000", "must be at most 64"),
     ("GMP_MAX_RPS", "nan", "not a finite number"),
     ("GMP_READ_TIMEOUT", "inf", "not a finite number"),
     ("GMP_READ_TIMEOUT", "0", "must be above 0"),
     ("GMP_CONNECT_TIMEOUT", "-1", "must be above 0"),
     ("GMP_RETRY_ATTEMPTS", "2.5", "whole number"),
     ("GMP_PAGE_CAP", "1e9", "whole number"),
     ("GMP_DETAILS_MAX_PER_DAY", "-5", "must be at least 0"),
     ("GMP_DETAILS_MAX_PER_DAY", "lots", "is not a whole number; e.g. GMP_DETAILS_MAX_PER_DAY=250"),
     ("GMP_POPULAR_GAMES", "0", "must be at least 1; e.g. GMP_POPULAR_GAMES=500"),
     ("GMP_RISING_GAMES", "1.5", "is not a whole number; e.g. GMP_RISING_GAMES=500"),
     ("GMP_UPCOMING_GAMES", "10001", "must be at most 10000"),
     ("GMP_RETRY_WAIT_INITIAL", "120", "is above GMP_RETRY_WAIT_MAX")],
)  # fmt: skip
def test_numbers(monkeypatch: pytest.MonkeyPatch, name: str, value: str, says: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(UsageError, match=says.replace("(", r"\(")):
        load_settings(RawgSettings)


def test_an_empty_number_is_unset_but_log_enums_never_fall_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GMP_CONCURRENCY", "")
    assert load_settings(RawgSettings).concurrency == 4
    monkeypatch.setenv("GMP_LOG_FORMAT", "JSON")
    monkeypatch.setenv("GMP_LOG_LEVEL", "debug")
    logs = load_settings(LogSettings)
    assert (logs.format, logs.level) == ("json", "DEBUG")
    monkeypatch.setenv("GMP_LOG_FORMAT", "yaml")
    with pytest.raises(UsageError, match="GMP_LOG_FORMAT='yaml' must be one of 'json' or 'text'"):
        load_settings(LogSettings)


def test_a_secret_is_never_repeated(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "s3cr3t-value")
    with pytest.raises(UsageError) as caught:
        load_settings(LakeSettings)
    assert "AWS_ACCESS_KEY_ID" in str(caught.value) and "s3cr3t" not in str(caught.value)
