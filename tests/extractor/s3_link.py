"""A TCP link to the S3 server that one run uses: slowed down, and cut at a chosen moment.

Byte-for-byte forwarding, so SigV4 signatures stay valid; `delay_s` is added before every
chunk the client sends (about one per request on a keep-alive connection), which stretches a
run's commit swap enough for a test to act in the middle of it; `cut()` drops every
connection and refuses new ones, which is S3 dying mid-run as that run sees it.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time


class S3Link:
    def __init__(self, upstream: str, *, delay_s: float = 0.0) -> None:
        host, port = upstream.removeprefix("http://").rsplit(":", 1)
        self._upstream = (host, int(port))
        self.delay_s = delay_s
        self._server = socket.create_server(("127.0.0.1", 0))
        self.endpoint = f"http://127.0.0.1:{self._server.getsockname()[1]}"
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._cut = threading.Event()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self._cut.is_set():
            try:
                client, _ = self._server.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self._upstream)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._cut.is_set():
                    client.close()
                    upstream.close()
                    return
                self._sockets |= {client, upstream}
            threading.Thread(target=self._pump, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pump, args=(upstream, client, False), daemon=True).start()

    def _pump(self, source: socket.socket, target: socket.socket, slow: bool) -> None:
        try:
            while chunk := source.recv(65536):
                if slow and self.delay_s:
                    time.sleep(self.delay_s)
                if self._cut.is_set():
                    break
                target.sendall(chunk)
        except OSError:
            pass
        finally:
            with contextlib.suppress(OSError):
                target.shutdown(socket.SHUT_WR)

    def cut(self) -> None:
        self._cut.set()
        self._server.close()
        with self._lock:
            sockets, self._sockets = list(self._sockets), set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
