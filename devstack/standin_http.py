"""HTTP plumbing of the RAWG stand-in: the request handler, fault responses, admin routes."""

from __future__ import annotations

import json
import logging
import socket
import socketserver
import struct
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import parse_qsl, urlsplit

from devstack.catalogue_items import dumps
from devstack.standin_faults import Fault, RecordedRequest
from devstack.standin_pages import ApiResponse

if TYPE_CHECKING:
    from devstack.standin import StandinServer

log = logging.getLogger(__name__)

_THROTTLED = dumps({"detail": "Request was throttled."}).encode()
_NO_KEY = ApiResponse(401, dumps({"error": "The key parameter is not provided"}).encode())
_REFUSALS = {
    "401": ApiResponse(401, dumps({"error": "Invalid API key"}).encode()),
    "403": ApiResponse(
        403, dumps({"detail": "You do not have permission to perform this action."}).encode()
    ),
}


def _html_error(status: int) -> ApiResponse:
    title = f"{status} {HTTPStatus(status).phrase}"
    page = (
        f"<html>\r\n<head><title>{title}</title></head>\r\n<body>\r\n<center><h1>{title}</h1>"
        "</center>\r\n<hr><center>nginx</center>\r\n</body>\r\n</html>\r\n"
    )
    return ApiResponse(status, page.encode(), "text/html")


def _page_number(raw: str) -> int | None:
    try:
        return int(raw)
    except ValueError:
        return None


@dataclass(frozen=True)
class _Plan:
    """How to answer one /api request."""

    response: ApiResponse
    headers: Sequence[tuple[str, str]] = ()
    action: Literal["send", "reset", "partial"] = "send"
    delay_s: float = 0.0  # on top of the server's latency

    @property
    def recorded_status(self) -> int:
        return 0 if self.action != "send" else self.response.status


class HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], standin: StandinServer) -> None:
        self.standin = standin
        super().__init__(address, _Handler)

    def server_bind(self) -> None:  # HTTPServer's version does a slow reverse-DNS lookup
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), self.server_address[1]

    def handle_error(self, request: Any, client_address: Any) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, ConnectionError | TimeoutError) or self.standin.stopping.is_set():
            return  # a client went away (or we are stopping): nothing to report
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "nginx"
    sys_version = ""
    disable_nagle_algorithm = True
    timeout = 120  # idle keep-alive connections are closed after this
    server: HttpServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def setup(self) -> None:
        super().setup()
        self.server.standin.track(self.connection, open_=True)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            self.server.standin.track(self.connection, open_=False)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        split = urlsplit(self.path)
        if split.path == "/api" or split.path.startswith("/api/"):
            self._api(method, split.path[4:] or "/", split.query)
        elif split.path.startswith("/_standin/"):
            self._send(_admin(self.server.standin, method, split.path, body, split.query))
        else:
            self._send(ApiResponse(404, b'{"detail":"Not found."}'))

    def _send(
        self, response: ApiResponse, headers: Sequence[tuple[str, str]] = (), sent: int = -1
    ) -> None:
        self.send_response(response.status)
        self.send_header("Content-Type", response.content_type)
        self.send_header("Content-Length", str(len(response.body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(response.body if sent < 0 else response.body[:sent])

    def _api(self, method: str, path: str, query: str) -> None:
        """Decide the answer, record it (so in-flight requests show), wait, then deliver it."""
        standin = self.server.standin
        params = dict(parse_qsl(query, keep_blank_values=True))
        key = params.pop("key", "")
        fault = standin.take_fault(path, _page_number(params.get("page", "1")))
        if fault is not None:
            plan = self._fault_plan(fault, path, query)
        else:
            plan = _Plan(self._normal(method, key, path, query))
        standin.record(RecordedRequest(path, params, plan.recorded_status, time.time()))
        standin.stopping.wait(standin.latency_s + plan.delay_s)
        if plan.action == "reset":
            self._reset()
        elif plan.action == "partial":
            self._send(plan.response, sent=len(plan.response.body) // 2)
            self.close_connection = True
        else:
            self._send(plan.response, plan.headers)

    def _normal(self, method: str, key: str, path: str, query: str) -> ApiResponse:
        if method != "GET":
            return ApiResponse(405, dumps({"detail": f'Method "{method}" not allowed.'}).encode())
        return self._answer(path, query) if key else _NO_KEY

    def _answer(self, path: str, query: str) -> ApiResponse:
        try:
            host = (
                self.headers.get("Host") or f"{self.server.server_name}:{self.server.server_port}"
            )
            return self.server.standin.api.respond(path, query, host)
        except Exception:
            log.exception("the RAWG stand-in failed to answer %s?%s", path, query)
            return _html_error(500)

    def _fault_plan(self, fault: Fault, path: str, query: str) -> _Plan:
        if fault.kind == "reset":
            return _Plan(ApiResponse(0, b""), action="reset")
        if fault.kind in ("truncated", "partial"):
            body = self._answer(path, query).body
            if fault.kind == "partial":
                return _Plan(ApiResponse(200, body), action="partial")
            return _Plan(ApiResponse(200, body[: len(body) // 2]))
        if fault.kind == "hang":  # RAWG has been seen to hang for minutes, then answer 500
            return _Plan(_html_error(500), delay_s=fault.hang_seconds)
        if fault.kind.startswith("429"):
            retry = fault.kind == "429-retry-after"
            headers = (("Retry-After", str(fault.retry_after)),) if retry else ()
            return _Plan(ApiResponse(429, _THROTTLED), headers)
        return _Plan(_REFUSALS.get(fault.kind) or _html_error(int(fault.kind)))

    def _reset(self) -> None:
        """Drop the connection with a TCP RST and no response at all."""
        self.close_connection = True
        try:
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.rfile.close()  # release the file's reference so close() is the real close
            self.connection.close()
        except OSError:
            pass


def _admin(  # noqa: PLR0911 - one return per route
    standin: StandinServer, method: str, path: str, body: bytes, query: str = ""
) -> ApiResponse:
    route = (method, path.rstrip("/"))
    if route[1] == "/_standin/today":
        return _today(standin, method, body, query)
    if route == ("GET", "/_standin/health"):
        config = standin.catalogue.config
        today = standin.today.isoformat() if standin.today else None
        return _json(200, {"status": "ok", "url": standin.url, "today": today, **asdict(config)})
    if route == ("GET", "/_standin/faults"):
        return _json(200, [asdict(f) for f in standin.faults])
    if route == ("POST", "/_standin/faults"):
        try:
            data = json.loads(body or b"null")
            faults = [
                Fault.from_json(item) for item in (data if isinstance(data, list) else [data])
            ]
        except ValueError as refused:  # JSONDecodeError is a ValueError
            return _json(400, {"detail": str(refused)})
        for fault in faults:
            standin.add_fault(fault)
        return _json(201, [asdict(f) for f in faults])
    if route == ("DELETE", "/_standin/faults"):
        standin.clear_faults()
        return _json(200, {"detail": "faults cleared"})
    if route == ("GET", "/_standin/requests"):
        return _json(200, [asdict(r) for r in standin.requests])
    if route == ("DELETE", "/_standin/requests"):
        standin.reset_requests()
        return _json(200, {"detail": "requests cleared"})
    if route == ("POST", "/_standin/latency"):
        try:
            standin.latency_s = float(json.loads(body)["latency_s"])
        except (ValueError, KeyError, TypeError):
            return _json(400, {"detail": 'send {"latency_s": <seconds>}'})
        return _json(200, {"latency_s": standin.latency_s})
    return _json(404, {"detail": "Not found."})


def _today(standin: StandinServer, method: str, body: bytes, query: str) -> ApiResponse:
    """The stand-in's clock. GET shows it; POST or PUT sets it, from `?day=YYYY-MM-DD` or a body
    `{"today": "YYYY-MM-DD"}` (null: no fixed day); DELETE puts back the day it started with."""
    if method in ("POST", "PUT"):
        params = dict(parse_qsl(query))
        try:
            if "day" in params:
                text: object = params["day"]
            else:
                data = json.loads(body or b"null")
                if not isinstance(data, dict) or not {"today", "day"} & data.keys():
                    raise ValueError("no day")
                text = data.get("today", data.get("day"))
            standin.today = None if text is None else date.fromisoformat(str(text))
        except ValueError:  # JSONDecodeError too
            detail = 'send ?day=YYYY-MM-DD or {"today": "YYYY-MM-DD"} ({"today": null}: unset)'
            return _json(400, {"detail": detail})
    elif method == "DELETE":
        standin.today = standin.start_today
    elif method != "GET":
        return _json(405, {"detail": f'Method "{method}" not allowed.'})
    today = standin.today
    return _json(
        200,
        {
            "today": today.isoformat() if today else None,
            "lists_as_of": standin.api.as_of().isoformat(),
        },
    )


def _json(status: int, value: Any) -> ApiResponse:
    return ApiResponse(status, dumps(value).encode())
