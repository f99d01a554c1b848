"""The Snowflake emulator as a server: fakesnow's app, unsupported statements turned SQL errors.

Runs from its own venv (`make setup-snowflake`; fakesnow pins a duckdb the warehouse cannot use):

    .venv-snowflake/bin/python tests/warehouse/prod/emulator_server.py [--port 0]

and prints one line, `listening on http://127.0.0.1:PORT`, once it accepts connections. The real
snowflake-connector-python (so dbt-snowflake, `protocol: http`) talks to it as to an account.

Why a wrapper: fakesnow answers a statement it cannot run (a bug or an unsupported feature) with
HTTP 500, and the connector retries 5xx answers for as long as its timeouts allow, so one
unsupported statement hangs dbt. Here such an answer becomes an ordinary SQL error (HTTP 200,
`success: false`, code 000002) that the connector raises at once, and the session's DuckDB
transaction, which DuckDB has aborted, is rolled back so the session stays usable.

One fix of fakesnow itself: COPY of JSON reads each file with DuckDB's read_json_objects, which
turns a `key=value` directory in the path (the lake's `run_date=YYYY-MM-DD/`) into an extra
column (hive partitioning), so loading the lake's files into a one-column VARIANT table fails.
Snowflake adds no such column; here it is switched off.

Two session parameters the prod SQL sets are accepted, each only at the value that describes what
the emulator already does (fakesnow refuses every ALTER SESSION it does not know):
`TRANSACTION_ABORT_ON_ERROR = TRUE` (DuckDB aborts the whole transaction at a failed statement,
and the session stays aborted until ROLLBACK, as Snowflake documents for TRUE) and
`TIMEZONE = 'UTC'` (the emulator's clock is UTC). Any other value is still refused.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import logging
import socket
import sys

import uvicorn
from sqlglot import Expr, exp
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

copy_into = importlib.import_module("fakesnow.copy_into")
fakesnow_transforms = importlib.import_module("fakesnow.transforms")
# `fakesnow.server` is also a function in fakesnow/__init__.py: import the module itself.
fakesnow_server = importlib.import_module("fakesnow.server")
UNSUPPORTED_CODE = "000002"  # any code that is not a session/auth code: the connector raises it


class _LastError(logging.Handler):
    """Keeps the exception fakesnow logs before it answers 500, to put its text in the SQL error."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.last: BaseException | None = None

    def emit(self, record: logging.LogRecord) -> None:
        if record.exc_info and record.exc_info[1] is not None:
            self.last = record.exc_info[1]


_last_error = _LastError()


def _rollback(request: Request) -> None:
    """DuckDB aborts the whole transaction on an error: roll it back or the session is stuck."""
    with contextlib.suppress(Exception):
        conn = fakesnow_server.sessions[fakesnow_server.to_token(request)]
        with contextlib.suppress(Exception):  # "no transaction is active" is fine
            conn._duck_conn.rollback()
        conn._in_transaction = False


async def query_request(request: Request) -> Response:
    _last_error.last = None
    # No await between fakesnow logging the error and returning, so `last` is this request's.
    response = await fakesnow_server.query_request(request)
    if response.status_code < 500:
        return response
    error = _last_error.last
    detail = f"{type(error).__name__}: {error}" if error else json.loads(response.body)["message"]
    _rollback(request)
    return JSONResponse(
        {
            "data": {"errorCode": UNSUPPORTED_CODE, "sqlState": "0A000"},
            "code": UNSUPPORTED_CODE,
            "message": "the Snowflake emulator cannot run this statement: " + detail.split("\n")[0],
            "success": False,
        }
    )


# ALTER SESSION parameters the emulator honours by nature, at the one value it honours.
ACCEPTED_SESSION_SETTINGS = {
    "TRANSACTION_ABORT_ON_ERROR": exp.true(),
    "TIMEZONE": exp.Literal.string("UTC"),
}
_fakesnow_alter_session = fakesnow_transforms.alter_session


def _alter_session(expression: Expr) -> Expr:
    """fakesnow's ALTER SESSION, plus the settings in ACCEPTED_SESSION_SETTINGS (a no-op)."""
    setting = expression.find(exp.AlterSession) if isinstance(expression, exp.Alter) else None
    items = (setting.args.get("expressions") or []) if setting is not None else []
    if len(items) == 1 and isinstance(items[0], exp.SetItem) and isinstance(items[0].this, exp.EQ):
        name, value = items[0].this.this, items[0].this.expression
        wanted = ACCEPTED_SESSION_SETTINGS.get(name.sql().upper().strip('"'))
        if wanted is not None and value == wanted:
            return fakesnow_transforms.SUCCESS_NOP.copy()
    return _fakesnow_alter_session(expression)


async def login_request(request: Request) -> Response:
    """fakesnow's login, plus a master token: without one the connector's close() never sends
    the session delete (snowflake/connector/network.py, delete_session), so a session closed
    after a failed statement would keep its transaction (and its deleted rows) open."""
    response = await fakesnow_server.login_request(request)
    body = json.loads(response.body)
    if body.get("success") and body.get("data"):
        body["data"].setdefault("masterToken", "emulator-master-" + body["data"]["token"])
    return JSONResponse(body, status_code=response.status_code)


async def session_request(request: Request) -> Response:
    """Closing a session rolls back its open transaction, as on Snowflake (fakesnow forgets it)."""
    if request.query_params.get("delete"):
        _rollback(request)
    return await fakesnow_server.session(request)


def _read_json_without_hive_columns(self: object, url: str) -> Expr:
    return exp.func(
        "read_json_objects",
        exp.Literal.string(url),
        exp.EQ(this=exp.var("hive_partitioning"), expression=exp.false()),
    )


def build_app() -> Starlette:
    copy_into.ReadJSON.read_expression = _read_json_without_hive_columns
    fakesnow_transforms.alter_session = _alter_session
    ours = {
        "/queries/v1/query-request": query_request,
        "/session": session_request,
        "/session/v1/login-request": login_request,
    }
    routes = [
        Route(r.path, ours[r.path], methods=["POST"]) if r.path in ours else r
        for r in fakesnow_server.routes
        if isinstance(r, Route)
    ]
    return Starlette(routes=routes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 = any free port (printed)")
    args = parser.parse_args(argv)

    # Bind and listen before announcing the port: no race between choosing it and using it.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((args.host, args.port))
    sock.listen(128)
    host, port = sock.getsockname()[:2]
    config = uvicorn.Config(build_app(), log_level="warning", lifespan="off", access_log=False)
    # After uvicorn configured logging, which resets the handlers fakesnow's logger shares.
    logging.getLogger("fakesnow.server").addHandler(_last_error)
    print(f"listening on http://{host}:{port}", flush=True)
    uvicorn.Server(config).run(sockets=[sock])
    return 0


if __name__ == "__main__":
    sys.exit(main())
