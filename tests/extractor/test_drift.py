"""`gmp drift`: a day's item shape against the previous committed partition (extractor/drift.py)."""

from __future__ import annotations

import datetime as dt
import importlib.util
import json
from pathlib import Path

import pytest

from devstack.standin import PayloadDrift, StandinServer
from extractor import layout
from extractor.drift import EndpointDrift, TypeChange, compare, read_by_models, summary_line
from tests.conftest import CANARY_KEY, Gmp

DAY1, DAY2 = "2024-05-01", "2024-05-02"
ROOT = Path(__file__).resolve().parents[2]


def test_compare_reports_added_removed_and_retyped_paths() -> None:
    old = {
        "id": ["integer"],
        "metacritic": ["integer", "null"],
        "esrb_rating": ["null", "object"],
        "esrb_rating.slug": ["string"],
        "genres": ["array"],
        "genres[]": ["object"],
        "genres[].slug": ["string"],
        "genres[].games_count": ["integer"],
        "rating": ["number"],
        "clip": ["null"],
        "tba": ["boolean"],
    }
    new = {
        "id": ["integer"],
        "esrb_rating": ["null"],  # every item null today: its fields are unseen, not removed
        "genres": ["array"],
        "genres[]": ["object"],
        "genres[].slug": ["string"],
        "genres[].games_count": ["string"],
        "rating": ["integer", "number"],  # 4.0 written as 4: not a change
        "clip": ["null", "object"],
        "clip.video": ["string"],  # under a value only ever null before: not "added"
        "tba": ["boolean", "null"],  # only gained null: not a type change
        "user_game": ["object"],
        "user_game.id": ["integer"],  # implied by its parent
    }
    added, removed, changed, null_only = compare(old, new)
    assert added == ["user_game"]
    assert removed == ["metacritic"]
    assert changed == [TypeChange("genres[].games_count", "number", "string")]
    assert null_only == ["clip", "esrb_rating"]


def test_removed_paths_read_by_models() -> None:
    assert read_by_models("games", ["metacritic", "clip", "genres", "esrb_rating"]) == [
        "metacritic",
        "genres",
        "esrb_rating",  # the models read esrb_rating.id and .name
    ]
    assert read_by_models("genres", ["games_count", "games"]) == ["games_count"]


def test_summary_line() -> None:
    day = dt.date(2024, 5, 2)
    games = EndpointDrift("games", day, "compared", added=["x"], removed=["metacritic"])
    games.read_by_models = ["metacritic"]
    genres = EndpointDrift(
        "genres", day, "compared", type_changed=[TypeChange("games_count", "number", "string")]
    )
    quiet = EndpointDrift("tags", day, "compared")
    assert summary_line([games, genres, quiet]) == (
        "drift: games -1 field (metacritic, read by models), +1 field (x); "
        "genres type changed: games_count number→string"
    )
    assert summary_line([quiet, EndpointDrift("stores", day, "no partition")]) == "drift: none"
    # a day nothing was taken for (a run refused before spending) compares nothing: not "none"
    nothing = [EndpointDrift(e, day, "no partition") for e in ("games", "genres")]
    assert summary_line(nothing) == "drift: none compared (no partition of this day)"
    assert summary_line([EndpointDrift("tags", day, "shape unknown")]) == (
        "drift: none (shape unknown for tags)"
    )


def test_the_committed_model_paths_match_the_dbt_models() -> None:
    spec = importlib.util.spec_from_file_location("model_paths", ROOT / "scripts/model_paths.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    paths = script.read_paths()
    assert "metacritic" in paths["games"] and "genres[].slug" in paths["games"]
    assert (ROOT / "extractor/model_paths.py").read_text() == script.render(paths), (
        "extractor/model_paths.py is stale: run .venv/bin/python scripts/model_paths.py"
    )


@pytest.fixture
def two_days(gmp: Gmp, standin: StandinServer) -> Gmp:
    """games and genres on DAY1, then on DAY2 with /games items that lost `metacritic` and
    serve `playtime` as a string."""
    for endpoint in ("games", "genres"):
        assert gmp("extract", endpoint, "--run-date", DAY1).code == 0
    standin.drift = PayloadDrift(dt.date.fromisoformat(DAY2))
    for endpoint in ("games", "genres"):
        result = gmp("extract", endpoint, "--run-date", DAY2)
        assert result.code == 0, result.stderr
    return gmp


def drift_json(gmp: Gmp, *args: str) -> dict[str, dict]:  # type: ignore[type-arg]
    result = gmp("drift", *args, "--json")
    assert result.code == 0, result.stderr
    data = result.json()
    return {"summary": data["summary"], **{e["endpoint"]: e for e in data["endpoints"]}}


def test_drift_names_the_removed_and_retyped_fields(two_days: Gmp) -> None:
    gmp = two_days
    shape = gmp.manifest("games", DAY1)["item_shape"]  # type: ignore[index]
    assert shape["metacritic"] == ["integer", "null"] and shape["genres[].slug"] == ["string"]
    found = drift_json(gmp, "--run-date", DAY2, "--endpoint", "games,genres")
    games = found["games"]
    assert games["status"] == "compared" and games["previous_run_date"] == DAY1
    assert games["removed"] == ["metacritic"] and games["read_by_models"] == ["metacritic"]
    assert games["type_changed"] == [{"path": "playtime", "old": "number", "new": "string"}]
    assert games["added"] == [] and games["drift"] is True
    assert found["genres"]["status"] == "compared" and found["genres"]["drift"] is False
    assert found["summary"] == (
        "drift: games -1 field (metacritic, read by models), type changed: playtime number→string"
    )
    table = gmp("drift", "--run-date", DAY2, "--endpoint", "games")
    assert table.code == 0
    for words in ("metacritic (read by models)", "playtime: number → string", DAY1):
        assert words in table.stdout
    assert table.stdout.strip().splitlines()[-1] == found["summary"]
    assert CANARY_KEY not in table.stdout + table.stderr


def test_first_partition_missing_day_and_unknown_shape(two_days: Gmp) -> None:
    gmp = two_days
    found = drift_json(gmp, "--run-date", DAY1, "--endpoint", "games")
    assert found["games"]["status"] == "no previous partition"
    assert found["summary"] == "drift: none"
    found = drift_json(gmp, "--run-date", "2024-05-03", "--endpoint", "games")
    assert found["games"]["status"] == "no partition"
    # A manifest written before gmp recorded shapes: unknown, no crash, no drift claimed.
    key = layout.manifest_key(gmp.prefix, "games", DAY1)
    manifest = json.loads(gmp.read(key))
    del manifest["item_shape"]
    gmp.client.put_object(Bucket=gmp.s3.bucket, Key=key, Body=json.dumps(manifest).encode())  # type: ignore[attr-defined]
    found = drift_json(gmp, "--run-date", DAY2, "--endpoint", "games")
    assert found["games"]["status"] == "shape unknown"
    assert DAY1 in found["games"]["reason"]
    assert found["summary"] == "drift: none (shape unknown for games)"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--run-date", "2024-13-01"], "not a real calendar date"),
        (["--run-date", DAY1, "--endpoint", "gamez"], "unknown endpoint 'gamez'"),
    ],
)
def test_bad_input_is_exit_2_in_one_line(gmp: Gmp, args: list[str], says: str) -> None:
    result = gmp("drift", *args)
    assert result.code == 2
    assert result.stderr.startswith("gmp: error:") and says in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def outcome_record(gmp: Gmp, *env: tuple[str, str]) -> dict:  # type: ignore[type-arg]
    args = ("outcome", "--workflow", "game-market-daily-x", "--status", "Succeeded")
    result = gmp(*args, "--drift-run-date", DAY2, **dict(env))
    assert result.code == 0, result.stderr
    return result.json()


def test_the_outcome_record_carries_the_days_drift(two_days: Gmp) -> None:
    record = outcome_record(two_days)
    assert record["drift"].startswith("drift: games -1 field (metacritic, read by models)")
    assert record["drift_removed"] == ["games.metacritic"]
    assert record["status"] == "Succeeded"


def test_the_outcome_never_fails_because_of_drift(gmp: Gmp) -> None:
    closed = ("S3_ENDPOINT", "http://127.0.0.1:9")  # nothing listens on the discard port
    record = outcome_record(gmp, closed)
    assert record["drift"].startswith("drift: unknown (cannot reach the S3 endpoint")
    assert record["drift_removed"] == []
    record = outcome_record(gmp, ("LAKE_BUCKET", ""))
    assert record["drift"].startswith("drift: unknown (LAKE_BUCKET is not set")
    secret = gmp.env["AWS_SECRET_ACCESS_KEY"]
    record = outcome_record(gmp, ("AWS_ACCESS_KEY_ID", "nobody"))
    assert record["drift"].startswith("drift: unknown (") and secret not in json.dumps(record)
