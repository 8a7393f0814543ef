"""OpenAI's chat-completions protocol spoken directly over aiohttp: one call under one deadline,
with retries, a limit on calls in flight, and streaming.

Why not the `openai` SDK: it re-validates every request and builds typed models of every
answer, which cost more CPU than the rest of a draft (a third of a draft's CPU in `make bench`
with hundreds of drafts waiting on a model); its timeout is per attempt; and a streamed answer
abandoned at the deadline is what makes a local server stop generating. The protocol is small:
``POST {base_url}/chat/completions`` with a JSON body, the answer as JSON or, asked with
``"stream": true``, as server-sent events (``data: {chunk}`` lines, ``data: [DONE]`` at the end).

Streaming (on by default, ``REPLYDESK_LLM_STREAM``) asks for the usage in the last chunk
(``stream_options.include_usage``). A server that ignores ``stream`` and answers with one JSON
document is read as such. When the deadline passes mid-answer the connection is closed, so a
server that aborts on disconnect (llama.cpp, vLLM, Ollama) frees its slot at once.

Every failure becomes an :class:`~service.generate.drafter.LLMFailure` with its typed reason,
carrying the tokens the server reported when it reported any.

A call is not sent when it could not finish in time: past the wait for a slot (or before a
retry), a call with less time left than calls of its kind took here (the median of the last
TYPICAL_CALLS that were answered) fails at once as ``queue_timeout``. Sent, it would hold a slot
and make the server generate an answer nobody reads, while the calls queued behind it, with
their whole deadline ahead, wait.
"""

from __future__ import annotations

import asyncio
import json
import random
import re
import statistics
from collections import deque
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp.helpers import get_env_proxy_for_url
from yarl import URL

from service.generate.drafter import FallbackReason, LLMFailure

DEFAULT_BASE_URL = "https://api.openai.com/v1"
RETRY_STATUSES = frozenset({408, 409, 429}) | frozenset(range(500, 600))
_BACKOFF_S, _BACKOFF_MAX_S = 0.5, 8.0
# How long a call of one kind takes: the median of the last TYPICAL_CALLS answered; with fewer
# than TYPICAL_MIN, nobody knows yet and every call is tried.
TYPICAL_CALLS, TYPICAL_MIN = 20, 5
_RETRY_AFTER_MAX_S = 60.0
# What servers say when the prompt and max_tokens do not fit the model's context: OpenAI's
# code, vLLM's and llama.cpp's messages.
_CONTEXT = re.compile(
    r"context_length_exceeded|context length|context window|context size|maximum context"
    r"|too many tokens|prompt is too long",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class Completion:
    text: str
    finish_reason: str | None
    model: str | None
    refusal: str | None
    prompt_tokens: int = 0
    completion_tokens: int = 0


class ChatClient:
    """One OpenAI-compatible endpoint. ``max_in_flight`` (0: no limit) bounds the calls this
    process has open; a call waits for a slot within its own deadline."""

    def __init__(
        self,
        *,
        base_url: str | None,
        api_key: str,
        max_retries: int,
        stream: bool = True,
        max_in_flight: int = 0,
    ) -> None:
        self._url = (base_url or DEFAULT_BASE_URL).rstrip("/") + "/chat/completions"
        # HTTP(S)_PROXY and NO_PROXY are read once: aiohttp's trust_env reads the environment
        # (and ~/.netrc) again on every request, which cost more than the call itself.
        self._proxy = _env_proxy(self._url)
        self._headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        self._retries = max_retries
        self._stream = stream
        self._slots = asyncio.Semaphore(max_in_flight) if max_in_flight > 0 else None
        self._session: aiohttp.ClientSession | None = None
        self.in_flight = 0  # calls sent and not yet answered (the queue's waiters excluded)
        self.peak_in_flight = 0
        self._took: dict[str, deque[float]] = {}  # seconds, per kind of call

    def typical(self, kind: str) -> float | None:
        """Seconds a call of ``kind`` takes here, once TYPICAL_MIN were answered."""
        took = self._took.get(kind)
        return statistics.median(took) if took and len(took) >= TYPICAL_MIN else None

    async def aclose(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _http(self) -> aiohttp.ClientSession:
        # Made in the running loop, on first use (build_resources runs before the loop).
        if self._session is None or self._session.closed:
            connector = aiohttp.TCPConnector(limit=0, enable_cleanup_closed=True)
            # No timeout of aiohttp's own: the call's deadline bounds everything.
            timeout = aiohttp.ClientTimeout(total=None)
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=timeout, trust_env=False
            )
        return self._session

    async def complete(
        self, body: dict[str, Any], *, timeout_s: float, kind: str = "draft"
    ) -> Completion:
        """The model's answer to ``body`` (a chat-completions request without ``stream``),
        within ``timeout_s`` seconds in all: the wait for a slot, every attempt and backoff.
        ``kind`` names what is asked ("draft", "intent", …): calls of one kind take alike."""
        loop = asyncio.get_running_loop()
        started = loop.time()
        deadline = started + timeout_s
        if self._stream:
            body = body | {"stream": True, "stream_options": {"include_usage": True}}
        if self._slots is not None:
            try:
                async with asyncio.timeout_at(deadline):
                    await self._slots.acquire()
            except TimeoutError:
                raise LLMFailure(
                    "queue_timeout",
                    f"no free slot for a model call within {timeout_s:g} s "
                    "(REPLYDESK_LLM_MAX_IN_FLIGHT)",
                ) from None
        try:
            typical, left = self.typical(kind), deadline - loop.time()
            if typical is not None and left < typical:
                raise LLMFailure(
                    "queue_timeout",
                    f"{left:.1f} s of {timeout_s:g} s left after {loop.time() - started:.1f} s "
                    f"waiting for a free slot, and a {kind} call takes {typical:.1f} s here: "
                    "not sent (REPLYDESK_LLM_MAX_IN_FLIGHT)",
                )
            async with asyncio.timeout_at(deadline):
                return await self._attempts(body, deadline, kind)
        except TimeoutError as exc:
            raise LLMFailure("timeout", f"no answer within {timeout_s:g} s") from exc
        finally:
            if self._slots is not None:
                self._slots.release()

    async def _attempts(self, body: dict[str, Any], deadline: float, kind: str) -> Completion:
        payload = json.dumps(body, ensure_ascii=False).encode()
        loop = asyncio.get_running_loop()
        attempt = 0
        while True:
            try:
                self.in_flight += 1
                self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
                sent = loop.time()
                try:
                    completion = await self._post(payload)
                finally:
                    self.in_flight -= 1
                took = self._took.setdefault(kind, deque(maxlen=TYPICAL_CALLS))
                took.append(loop.time() - sent)
                return completion
            except _Retryable as retry:
                failure = retry.failure
                if attempt >= self._retries:
                    raise failure from None
                wait = retry.after
                if wait is None:
                    wait = min(_BACKOFF_S * 2**attempt, _BACKOFF_MAX_S)
                    wait *= 1 - 0.25 * random.random()  # jitter, not a secret
                if loop.time() + wait + (self.typical(kind) or 0.0) >= deadline:
                    raise failure from None  # the next attempt could not finish in time
                attempt += 1
                await asyncio.sleep(wait)

    async def _post(self, payload: bytes) -> Completion:
        try:
            proxy, proxy_auth = self._proxy
            async with self._http().post(
                self._url, data=payload, headers=self._headers, proxy=proxy, proxy_auth=proxy_auth
            ) as resp:
                try:
                    if resp.status >= 400:
                        raise await _status_failure(resp)
                    kind = resp.headers.get("Content-Type", "")
                    if kind.startswith("text/event-stream"):
                        return await _read_stream(resp)
                    raw = await resp.read()
                except BaseException:
                    resp.close()  # mid-answer: drop the connection so the server stops
                    raise
        except aiohttp.ClientConnectorError as exc:
            raise _Retryable(LLMFailure("connection_error", str(exc))) from exc
        except (aiohttp.ClientError, ConnectionError) as exc:
            detail = str(exc) or type(exc).__name__
            raise _Retryable(LLMFailure("connection_error", detail)) from exc
        try:
            document = json.loads(raw)
        except ValueError:
            document = None
        if not isinstance(document, dict):
            raise LLMFailure("unusable_response", "not a chat completion")
        return _from_document(document)


def _env_proxy(url: str) -> tuple[URL | None, aiohttp.BasicAuth | None]:
    """The proxy the environment names for ``url`` (HTTP_PROXY, HTTPS_PROXY, NO_PROXY and a
    proxy's credentials in ~/.netrc, as aiohttp's ``trust_env`` reads them), or none."""
    try:
        return get_env_proxy_for_url(URL(url))
    except LookupError:
        return None, None


class _Retryable(Exception):
    def __init__(self, failure: LLMFailure, after: float | None = None) -> None:
        super().__init__(str(failure))
        self.failure = failure
        self.after = after


async def _status_failure(resp: aiohttp.ClientResponse) -> Exception:
    text = (await resp.text(errors="replace"))[:2000]
    message = _error_message(text)
    detail = f"HTTP {resp.status}" + (f": {message}" if message else "")
    status = resp.status
    if status == 400 and _CONTEXT.search(text):
        return LLMFailure("context_exceeded", detail)
    reason: FallbackReason
    if status == 429:
        reason = "rate_limited"
    elif status >= 500:
        reason = "upstream_error"
    else:
        reason = "upstream_rejected"
    failure = LLMFailure(reason, detail)
    if status in RETRY_STATUSES:
        return _Retryable(failure, _retry_after(resp.headers))
    return failure


def _error_message(text: str) -> str:
    try:
        document = json.loads(text)
    except ValueError:
        return ""
    error = document.get("error") if isinstance(document, dict) else None
    message = error.get("message") if isinstance(error, dict) else error
    return str(message)[:300] if message else ""


def _retry_after(headers: Any) -> float | None:
    """The server's own wait (``retry-after-ms``, ``retry-after`` in seconds), when sane."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = headers.get(name)
        if value is None:
            continue
        try:
            seconds = float(value) * scale
        except ValueError:
            continue  # an HTTP date: the backoff decides
        if 0 <= seconds <= _RETRY_AFTER_MAX_S:
            return seconds
    return None


def _tokens(usage: object) -> tuple[int, int]:
    if not isinstance(usage, dict):
        return 0, 0
    prompt, completion = usage.get("prompt_tokens"), usage.get("completion_tokens")
    return (
        prompt if isinstance(prompt, int) else 0,
        completion if isinstance(completion, int) else 0,
    )


def _from_document(document: dict[str, Any]) -> Completion:
    prompt, completion = _tokens(document.get("usage"))
    model = document.get("model") if isinstance(document.get("model"), str) else None
    choices = document.get("choices")
    if not isinstance(choices, list) or not choices or not isinstance(choices[0], dict):
        if "error" in document:
            raise LLMFailure("upstream_error", _error_message(json.dumps(document)))
        raise LLMFailure("empty_response", "no choices in the answer", tokens=(prompt, completion))
    message = choices[0].get("message")
    message = message if isinstance(message, dict) else {}
    content = message.get("content")
    return Completion(
        text=content if isinstance(content, str) else "",
        finish_reason=choices[0].get("finish_reason"),
        model=model,
        refusal=message.get("refusal") or None,
        prompt_tokens=prompt,
        completion_tokens=completion,
    )


async def _read_stream(resp: aiohttp.ClientResponse) -> Completion:
    """Server-sent events: the deltas of choice 0 joined, its finish reason, the usage chunk."""
    parts: list[str] = []
    refusal: list[str] = []
    finish: str | None = None
    model: str | None = None
    prompt = completion = 0
    async for raw_line in resp.content:
        line = raw_line.strip()
        if not line.startswith(b"data:"):
            continue  # blank separators, comments (": keep-alive"), event names
        data = line[5:].strip()
        if data == b"[DONE]":
            break
        try:
            chunk = json.loads(data)
        except ValueError as exc:
            raise LLMFailure("unusable_response", "a streamed chunk is not JSON") from exc
        if not isinstance(chunk, dict):
            raise LLMFailure("unusable_response", "a streamed chunk is not an object")
        if "error" in chunk:
            raise LLMFailure("upstream_error", _error_message(data.decode(errors="replace")))
        if isinstance(chunk.get("model"), str):
            model = chunk["model"]
        if chunk.get("usage"):
            prompt, completion = _tokens(chunk["usage"])
        choices = chunk.get("choices")
        for choice in choices if isinstance(choices, list) else ():
            if not isinstance(choice, dict) or choice.get("index", 0) != 0:
                continue
            delta = choice.get("delta")
            if not isinstance(delta, dict):
                raise LLMFailure("unusable_response", "a streamed chunk's delta is not an object")
            if isinstance(delta.get("content"), str):
                parts.append(delta["content"])
            if isinstance(delta.get("refusal"), str):
                refusal.append(delta["refusal"])
            if isinstance(choice.get("finish_reason"), str):
                finish = choice["finish_reason"]
    return Completion(
        text="".join(parts),
        finish_reason=finish,
        model=model,
        refusal="".join(refusal) or None,
        prompt_tokens=prompt,
        completion_tokens=completion,
    )
