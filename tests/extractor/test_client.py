"""The RAWG client on its own: what it raises never carries the key, even in a traceback."""

from __future__ import annotations

import traceback

import pytest

from devstack.standin import Fault
from extractor.client import RawgClient
from gmp.errors import AuthRefused, GmpError, QuotaExhausted, UpstreamError
from gmp.settings import RawgSettings
from tests.conftest import CANARY_KEY


def client_for(url: str) -> RawgClient:
    settings = RawgSettings.model_validate(
        {
            "RAWG_API_KEY": CANARY_KEY,
            "RAWG_BASE_URL": url,
            "GMP_RETRY_ATTEMPTS": 2,
            "GMP_RETRY_WAIT_INITIAL": 0.01,
            "GMP_RETRY_WAIT_MAX": 0.05,
            "GMP_READ_TIMEOUT": 0.3,
            "GMP_MAX_RPS": 0,
        }
    )
    return RawgClient(settings)


@pytest.mark.parametrize(
    ("kind", "error"),
    [
        ("401", AuthRefused),
        ("403", AuthRefused),
        ("429", QuotaExhausted),
        ("502", UpstreamError),
        ("hang", UpstreamError),
        ("reset", UpstreamError),
        ("partial", UpstreamError),
        ("truncated", UpstreamError),
    ],
)
def test_failures_carry_no_key(standin, kind: str, error: type[GmpError]) -> None:
    standin.add_fault(Fault(kind, times=-1, hang_seconds=2))
    with client_for(standin.url) as client, pytest.raises(error) as caught:
        client.get_page("/games", {"updated": "2024-05-01,2024-05-01"}, 1, 40)
    text = "".join(traceback.format_exception(caught.value)) + repr(caught.value)
    assert CANARY_KEY not in text
    exc = caught.value
    assert exc.__cause__ is None and (exc.__context__ is None or exc.__suppress_context__)


def test_unknown_path_is_not_retried(standin) -> None:
    with client_for(standin.url) as client, pytest.raises(UpstreamError, match="HTTP 404"):
        client.get_page("/nope", {}, 1, 40)
    assert len(standin.requests) == 1
    assert client.requests_made == 1
