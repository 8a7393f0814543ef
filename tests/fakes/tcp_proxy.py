"""A TCP proxy a test starts in front of a real server and then breaks: `cut()` drops every
connection and refuses new ones (the database is down or restarting), `blackhole()` accepts
connections and never answers (a firewall that swallows packets, a hung server), `restore()`
passes traffic again."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from typing import Literal

Mode = Literal["pass", "cut", "blackhole"]


class TcpProxy:
    def __init__(self, upstream: tuple[str, int]) -> None:
        self.upstream = upstream
        self.mode: Mode = "pass"
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._listener.getsockname()[1]
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        self._closed = False
        self.accepted = 0  # connections the proxy took, in any mode
        threading.Thread(target=self._accept, name="tcp-proxy", daemon=True).start()

    def cut(self) -> None:
        self.mode = "cut"
        self._drop_all()

    def blackhole(self) -> None:
        self.mode = "blackhole"
        self._drop_all()

    def restore(self) -> None:
        self.mode = "pass"

    def close(self) -> None:
        self._closed = True
        self._listener.close()
        self._drop_all()

    def _drop_all(self) -> None:
        with self._lock:
            sockets, self._open = self._open, set()
        for sock in sockets:
            _shut(sock)
            sock.close()

    def _keep(self, *sockets: socket.socket) -> None:
        with self._lock:
            self._open.update(sockets)

    def _accept(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            self.accepted += 1
            if self.mode == "cut":
                client.close()  # refused at once, as a stopped server's port is
            elif self.mode == "blackhole":
                self._keep(client)  # held open, never answered
            else:
                try:
                    server = socket.create_connection(self.upstream, timeout=5)
                except OSError:
                    client.close()
                    continue
                self._keep(client, server)
                for source, sink in ((client, server), (server, client)):
                    threading.Thread(target=_pump, args=(source, sink), daemon=True).start()


def _pump(source: socket.socket, sink: socket.socket) -> None:
    try:
        with suppress(OSError):
            while data := source.recv(65_536):
                sink.sendall(data)
    finally:
        for sock in (source, sink):
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    with suppress(OSError):  # already closed by the other side or by us
        sock.shutdown(socket.SHUT_RDWR)


@contextmanager
def proxy(upstream: tuple[str, int]) -> Iterator[TcpProxy]:
    running = TcpProxy(upstream)
    try:
        yield running
    finally:
        running.close()
