"""A listening socket per worker (SO_REUSEPORT), so the kernel spreads connections evenly.

uvicorn's `--workers N` binds one socket and shares it: every worker waits on it, and the one
whose loop is free first accepts every connection waiting, in a loop. Under a burst one worker
takes most of it: of 200 drafts sent at once to two workers, one took 122 (and, in other runs,
the CPU time of the two differed up to seven-fold), and the burst lasted as long as that
worker's share took. With a socket of its own in each worker, bound with SO_REUSEPORT, Linux
hands each new connection to one of them by a hash of its addresses.

Linux only (elsewhere SO_REUSEPORT does not balance, and `serve` keeps uvicorn's shared
socket). The port is checked free before the workers start, so a second `replydesk serve` on a
port in use fails as it did, rather than sharing the port's traffic.
"""

from __future__ import annotations

import socket
import sys
from typing import Any


def supported() -> bool:
    return sys.platform == "linux" and hasattr(socket, "SO_REUSEPORT")


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _bind(host: str, port: int, *, reuse_port: bool) -> socket.socket:
    sock = socket.socket(_family(host), socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
    if reuse_port:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def check_free(host: str, port: int) -> None:
    """Raise OSError when ``host:port`` cannot be bound (in use, or not an address here)."""
    _bind(host, port, reuse_port=False).close()


def bound(host: str, port: int) -> list[socket.socket]:
    """A socket bound to ``host:port`` with SO_REUSEPORT, in a list (what uvicorn's workers
    are given); the worker's server listens on it."""
    return [_bind(host, port, reuse_port=True)]


class PerWorker(list[socket.socket]):
    """What uvicorn's supervisor hands each worker it starts (or restarts) in place of its
    shared socket: sent to the worker, it arrives as a socket of the worker's own."""

    def __init__(self, host: str, port: int) -> None:
        super().__init__()
        self.host, self.port = host, port

    def __reduce__(self) -> tuple[Any, ...]:
        return bound, (self.host, self.port)
