"""A listening socket per worker: what the supervisor sends each worker arrives as a socket of
its own, bound with SO_REUSEPORT, and the port is checked free before any worker starts."""

from __future__ import annotations

import pickle
import socket

import pytest

from service.cli import listen
from tests.fakes.openai_server import free_port

pytestmark = pytest.mark.skipif(not listen.supported(), reason="SO_REUSEPORT balances on Linux")


def test_each_worker_gets_a_socket_of_its_own_on_the_same_port() -> None:
    port = free_port()
    sent = listen.PerWorker("127.0.0.1", port)
    [first] = pickle.loads(pickle.dumps(sent))
    [second] = pickle.loads(pickle.dumps(sent))
    with first, second:
        assert first.fileno() != second.fileno()
        for sock in (first, second):
            assert sock.getsockname() == ("127.0.0.1", port)
            assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT) == 1
            sock.listen()  # both listen: the kernel spreads connections between them
        with pytest.raises(OSError):
            listen.check_free("127.0.0.1", port)
    listen.check_free("127.0.0.1", port)  # free again once the workers are gone
