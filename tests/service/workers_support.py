"""Which worker process answered a request: no header, no API, just Linux's socket tables.

A request is sent on a fresh connection and the connection is held open (HTTP keep-alive) while
its server side is looked up: /proc/net/tcp gives the inode of the socket whose local port is
the server's and whose remote port is ours, and the worker holding that inode among its file
descriptors is the one that accepted it.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterator
from pathlib import Path

STARTED = re.compile(r"Started server process \[(\d+)\]")
# What uvicorn logs when a worker is lost: killed by the supervisor, crashed, or gave up.
LOST = re.compile(
    r"Child process \[\d+\] died|failed to start|Finished server process|"
    r"Application startup failed|Traceback"
)


def _sockets() -> Iterator[tuple[int, int, str, str]]:
    """Every TCP socket in Linux's tables: local port, remote port, state, inode."""
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, remote = (int(f.rsplit(":", 1)[1], 16) for f in fields[1:3])
            yield local, remote, fields[3], fields[9]


def _socket_inode(server_port: int, client_port: int) -> str | None:
    return next(
        (
            inode
            for local, remote, _, inode in _sockets()
            if (local, remote) == (server_port, client_port)
        ),
        None,
    )


def listening_sockets(port: int) -> int:
    """How many sockets listen on ``port`` (state 0A)."""
    return sum(1 for local, _, state, _ in _sockets() if local == port and state == "0A")


def _holder(inode: str, pids: set[int]) -> int | None:
    target = f"socket:[{inode}]"
    for pid in pids:
        try:
            descriptors = os.listdir(f"/proc/{pid}/fd")
        except FileNotFoundError:  # gone: the log will say why
            continue
        for fd in descriptors:
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == target:
                    return pid
            except FileNotFoundError:
                continue
    return None


def healthz_answered_by(port: int, pids: set[int]) -> int | None:
    """The pid among `pids` that answered one `GET /healthz` with 200; None if none did yet."""
    try:
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    except OSError:
        return None
    with sock:
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(4096)
            if not chunk:
                return None
            answer += chunk
        if not answer.startswith(b"HTTP/1.1 200"):
            return None
        inode = _socket_inode(port, sock.getsockname()[1])
        return _holder(inode, pids) if inode else None
