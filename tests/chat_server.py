"""Loopback HTTP server speaking the OpenAI `/v1/chat/completions` protocol, for tests and benchmarks."""

from __future__ import annotations

import itertools
import json
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


@dataclass(frozen=True)
class Text:
    """A normal answer."""

    content: str


@dataclass(frozen=True)
class Status:
    """An HTTP error reply with an OpenAI-style error body."""

    code: int
    message: str = "scripted error"
    retry_after: float | None = None  # seconds, sent as a Retry-After header


@dataclass(frozen=True)
class Hang:
    """Sleep `seconds` before answering `then`; with no `then` the connection is closed unanswered."""

    seconds: float
    then: Text | None = None


@dataclass(frozen=True)
class Trickle:
    """Start a stream, then send only SSE keep-alive comments every `interval` seconds for `seconds`."""

    interval: float
    seconds: float


@dataclass(frozen=True)
class Malformed:
    """A broken reply: a non-JSON SSE `data:` line when streaming, else a non-JSON 200 body."""


@dataclass(frozen=True)
class Cut:
    """A stream that stops short: `content`, then a chunk with `finish_reason` (length, content_filter) and
    [DONE]; with no finish_reason the connection just closes, as when a server dies mid-answer."""

    content: str
    finish_reason: str | None = None


Reply = Text | Status | Hang | Trickle | Malformed | Cut
Responder = Callable[[dict[str, Any]], Reply]

CHAT_PATH = "/v1/chat/completions"


def scripted(*replies: Reply) -> Responder:
    """Replies in order, one per request (thread-safe); the last one repeats when the script runs out."""
    if not replies:
        raise ValueError("scripted() needs at least one reply")
    queue = list(replies)
    lock = threading.Lock()

    def respond(_request: dict[str, Any]) -> Reply:
        with lock:
            return queue.pop(0) if len(queue) > 1 else queue[0]

    return respond


def by_prompt(rules: dict[str, Reply | list[Reply]], default: Reply) -> Responder:
    """Route on the first rule key found in the last user message; list values are consumed one per match."""
    queues = {key: list(value) if isinstance(value, list) else [value] for key, value in rules.items()}
    lock = threading.Lock()

    def respond(request: dict[str, Any]) -> Reply:
        prompt = last_user_text(request)
        with lock:
            for key, queue in queues.items():
                if key in prompt:
                    return queue.pop(0) if len(queue) > 1 else queue[0]
        return default

    return respond


def message_text(message: dict[str, Any]) -> str:
    """The text of a chat message whose content is a string or a list of content parts."""
    content = message.get("content") or ""
    if isinstance(content, str):
        return content
    return "".join(part.get("text", "") for part in content if part.get("type") == "text")


def last_user_text(request: dict[str, Any]) -> str:
    """The text of the last user message in a chat request, or "" if there is none."""
    users = [m for m in request.get("messages", []) if m.get("role") == "user"]
    return message_text(users[-1]) if users else ""


class ChatServer:
    """A real HTTP server on 127.0.0.1 answering chat completions with scripted replies."""

    def __init__(
        self, responder: Responder, *, tokens_per_second: float | None = None, chars_per_token: int = 2,
        slots: int | None = None,
    ) -> None:
        if chars_per_token < 1:
            raise ValueError("chars_per_token must be >= 1")
        self.responder = responder
        self.tokens_per_second = tokens_per_second
        self.chars_per_token = chars_per_token
        self.requests: list[dict[str, Any]] = []
        # slots: requests answered at once, the rest wait in line as on a llama.cpp or Ollama server;
        # queued[i]: how many were already waiting or being answered when request i arrived
        self.slots = threading.Semaphore(slots) if slots else None
        self.in_server = 0
        self.queued: list[int] = []
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._ids = itertools.count(1)
        self._httpd = _HTTPServer(("127.0.0.1", 0), _Handler, self)
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Serve in a daemon thread."""
        if self._thread is None:
            # A short poll interval keeps shutdown() from waiting up to the default 0.5 s.
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
            )
            self._thread.start()

    def stop(self) -> None:
        """Wake sleeping handlers, stop serving and close the listening socket."""
        self.stopping.set()
        if self._thread is not None:
            self._httpd.shutdown()  # blocks forever if serve_forever never ran, hence the guard
            self._thread.join()
            self._thread = None
        self._httpd.server_close()

    def __enter__(self) -> ChatServer:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def record(self, request: dict[str, Any]) -> None:
        """Remember a request body."""
        with self._lock:
            self.requests.append(request)

    def next_id(self) -> str:
        """A fresh completion id."""
        with self._lock:
            return f"chatcmpl-{next(self._ids)}"

    def tokens(self, text: str) -> int:
        """Token count approximated from characters."""
        return -(-len(text) // self.chars_per_token)


class _HTTPServer(ThreadingHTTPServer):
    # daemon_threads (set by ThreadingHTTPServer) also means server_close() never joins handlers,
    # so stop() is prompt; ChatServer.stopping is what makes sleeping handlers actually finish.

    def __init__(self, address: tuple[str, int], handler: type[BaseHTTPRequestHandler], chat: ChatServer) -> None:
        self.chat = chat
        super().__init__(address, handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hangs up mid-reply (timeouts, closed streams) is routine, not an error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    server: _HTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Keep test output quiet."""

    def do_GET(self) -> None:
        """Only POST to the chat path exists."""
        self._json(404, _error(404, f"no route for GET {self.path}"))

    def do_POST(self) -> None:
        """Parse, record and answer one chat completion request."""
        if self.path != CHAT_PATH:
            self._json(404, _error(404, f"no route for POST {self.path}"))
            return
        try:
            request = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
        except ValueError:
            self._json(400, _error(400, "request body is not JSON"))
            return
        chat = self.server.chat
        chat.record(request)
        if chat.slots is None:
            self._answer(chat.responder(request), request)
            return
        with chat._lock:
            chat.queued.append(chat.in_server)
            chat.in_server += 1
        try:
            with chat.slots:
                self._answer(chat.responder(request), request)
        finally:
            with chat._lock:
                chat.in_server -= 1

    def _answer(self, reply: Reply, request: dict[str, Any]) -> None:
        chat = self.server.chat
        if isinstance(reply, Hang):
            if not chat.stopping.wait(reply.seconds) and reply.then is not None:
                self._answer(reply.then, request)
        elif isinstance(reply, Trickle):
            self._start_stream()
            deadline = time.monotonic() + reply.seconds
            while time.monotonic() < deadline and not chat.stopping.wait(reply.interval):
                self.wfile.write(b": keep-alive\n\n")
                self.wfile.flush()
        elif isinstance(reply, Status):
            headers = {"Retry-After": f"{reply.retry_after:g}"} if reply.retry_after is not None else {}
            self._json(reply.code, _error(reply.code, reply.message), headers)
        elif isinstance(reply, Malformed):
            if request.get("stream"):
                self._start_stream()
                self.wfile.write(b"data: {this is not json\n\n")
            else:
                self._send(200, b"{this is not json", "application/json")
        elif isinstance(reply, Cut):
            self._stream(reply.content, request, reply.finish_reason, whole=False)
        elif request.get("stream"):
            self._stream(reply.content, request)
        else:
            self._json(200, self._completion(reply.content, request))

    def _completion(self, content: str, request: dict[str, Any]) -> dict[str, Any]:
        chat = self.server.chat
        return {
            "id": chat.next_id(),
            "object": "chat.completion",
            "created": int(time.time()),
            "model": request.get("model", ""),
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}
            ],
            "usage": self._usage(content, request),
        }

    def _stream(self, content: str, request: dict[str, Any], finish_reason: str | None = "stop",
                whole: bool = True) -> None:
        chat = self.server.chat
        head = {
            "id": chat.next_id(),
            "object": "chat.completion.chunk",
            "created": int(time.time()),
            "model": request.get("model", ""),
        }

        def chunk(delta: dict[str, str], finish_reason: str | None = None) -> dict[str, Any]:
            return {**head, "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}

        self._start_stream()
        self._event(chunk({"role": "assistant", "content": ""}))
        step = chat.chars_per_token
        delay = 1 / chat.tokens_per_second if chat.tokens_per_second else 0.0
        for start in range(0, len(content), step):
            # Each token takes 1/tps to "generate", so N tokens take N/tps seconds.
            if delay and chat.stopping.wait(delay):
                return
            self._event(chunk({"content": content[start : start + step]}))
        if finish_reason is None:
            return
        self._event(chunk({}, finish_reason))
        if whole and (request.get("stream_options") or {}).get("include_usage"):
            self._event({**head, "choices": [], "usage": self._usage(content, request)})
        self.wfile.write(b"data: [DONE]\n\n")

    def _usage(self, content: str, request: dict[str, Any]) -> dict[str, int]:
        chat = self.server.chat
        prompt = chat.tokens("".join(message_text(m) for m in request.get("messages", [])))
        completion = chat.tokens(content)
        return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}

    def _start_stream(self) -> None:
        # HTTP/1.0 without Content-Length: the body ends when the connection closes.
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()

    def _event(self, payload: dict[str, Any]) -> None:
        self.wfile.write(f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode())
        self.wfile.flush()

    def _json(self, code: int, payload: dict[str, Any], headers: dict[str, str] | None = None) -> None:
        self._send(code, json.dumps(payload, ensure_ascii=False).encode(), "application/json", headers)

    def _send(self, code: int, body: bytes, content_type: str, headers: dict[str, str] | None = None) -> None:
        self.send_response(code)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _error(code: int, message: str) -> dict[str, Any]:
    kind = "server_error" if code >= 500 else "rate_limit_error" if code == 429 else "invalid_request_error"
    return {"error": {"message": message, "type": kind, "code": code}}
