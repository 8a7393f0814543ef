"""A help desk's webhook endpoint, as a process of its own that a test can kill mid-delivery.

`python -m tests.fakes.webhook_receiver --port P --secret S --log FILE [--die-on N]` appends
one JSON line per request to FILE: the event id, whether the signature held (checked here with
hmac alone, not with replydesk's code), and whether it was acknowledged. With `--die-on N` the
process exits on the Nth request after reading it and before answering: the sender sees the
connection drop, as when a receiver crashes.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import time
from http.server import BaseHTTPRequestHandler, HTTPServer


def signature_holds(secret: str, body: bytes, header: str) -> bool:
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    if "t" not in parts or abs(time.time() - int(parts["t"])) > 300:
        return False
    mac = hmac.new(secret.encode(), parts["t"].encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest(mac.hexdigest(), parts.get("v1", ""))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--log", required=True)
    parser.add_argument("--die-on", type=int, default=0)
    args = parser.parse_args()
    count = 0

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            nonlocal count
            count += 1
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            event = json.loads(body)
            line = {
                "id": event["id"],
                "header_id": int(self.headers["X-Replydesk-Event-Id"]),
                "type": event["type"],
                "signed": signature_holds(
                    args.secret, body, self.headers.get("X-Replydesk-Signature", "")
                ),
                "acked": count != args.die_on,
            }
            with open(args.log, "a", encoding="utf-8") as log:
                log.write(json.dumps(line) + "\n")
            if count == args.die_on:
                os._exit(1)  # killed mid-delivery: no answer
            self.send_response(204)
            self.end_headers()

        def log_message(self, *_: object) -> None:
            pass

    HTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
