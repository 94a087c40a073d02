"""Chat model backends. The only module that imports langchain_openai (and the openai SDK's errors).

`openai` talks to any OpenAI-compatible endpoint; `offline` builds no model at all (ChatOpenAI would
refuse to start without a key, and nothing may leave the machine unless an endpoint is configured).
"""

import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import httpx
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage

from drafter.config import Settings
from drafter.errors import DrafterError


class ModelError(DrafterError):
    """A model call failed; the message says why and what to check."""


class CutOff(ModelError):
    """An answer that did not end of itself: stopped by a length limit or running past the section's bound.
    Worth one more try with the length named (a small model that loops often stops the second time)."""


def backend(settings: Settings) -> str:
    """The active backend: openai when an endpoint is configured (or forced), else offline."""
    if settings.llm_backend == "auto":
        return "openai" if settings.llm_base_url else "offline"
    return settings.llm_backend


def chat_model(settings: Settings) -> BaseChatModel | None:
    """The configured chat model, or None for the offline drafter."""
    if backend(settings) == "offline":
        return None
    if not settings.llm_base_url:
        raise ModelError("DRAFTER_LLM_BACKEND=openai 需要同时设置 DRAFTER_LLM_BASE_URL（如 https://api.deepseek.com/v1）。")
    from langchain_openai import ChatOpenAI

    key = settings.llm_api_key.get_secret_value() if settings.llm_api_key else "not-needed"  # local servers accept any
    client = httpx.Client(transport=_DeadlineTransport(httpx.HTTPTransport(), settings.llm_timeout),
                          timeout=settings.llm_timeout)
    return ChatOpenAI(model=settings.llm_model, base_url=settings.llm_base_url, api_key=key,
                      temperature=settings.llm_temperature, timeout=settings.llm_timeout,
                      max_retries=settings.llm_max_retries, streaming=True, http_client=client)


# The SDK's timeout is per read and per attempt: a server sending keep-alives every few seconds never
# times out, and each retry starts the clock again. One deadline per answer covers all of it.
_deadline: ContextVar[float | None] = ContextVar("drafter_llm_deadline", default=None)


class _DeadlineTransport(httpx.BaseTransport):
    """An httpx transport whose responses stop (as a read timeout) at the answer's deadline, however
    the bytes trickle in; a retry after the deadline is not sent at all."""

    def __init__(self, inner, seconds: float):
        self.inner, self.seconds = inner, seconds

    def handle_request(self, request):
        deadline = _deadline.get() or time.monotonic() + self.seconds
        if time.monotonic() >= deadline:
            raise httpx.ReadTimeout("drafter: the answer's deadline has passed", request=request)
        response = self.inner.handle_request(request)
        response.stream = _DeadlineStream(response.stream, deadline, request)
        return response

    def close(self) -> None:
        self.inner.close()


class _DeadlineStream(httpx.SyncByteStream):
    def __init__(self, inner, deadline: float, request):
        self.inner, self.deadline, self.request = inner, deadline, request

    def __iter__(self):
        for chunk in self.inner:
            if time.monotonic() > self.deadline:
                raise httpx.ReadTimeout("drafter: the answer's deadline has passed", request=self.request)
            yield chunk

    def close(self) -> None:
        self.inner.close()


def describe(settings: Settings) -> str:
    if backend(settings) == "offline":
        return "离线模式（不调用模型：按数据表、笔记和往年表述生成框架稿）"
    return f"{settings.llm_model}（{settings.llm_base_url}）"


def stream(model: BaseChatModel, messages: list[BaseMessage], on_delta: Callable[[str], None] | None = None,
           *, max_chars: int | None = None, on_usage: Callable[[int, int], None] | None = None) -> str:
    """Stream a whole reply, passing each text delta on. Any transport or protocol failure, and any answer that
    did not end of itself (cut off, stopped by a length limit or a content filter, longer than `max_chars`),
    becomes a ModelError: half an answer is never returned as if it were the answer."""
    import openai

    parts: list[str] = []
    size, finish, chunk = 0, None, None
    seconds = getattr(model, "request_timeout", None)
    token = _deadline.set(time.monotonic() + seconds if isinstance(seconds, (int, float)) else None)
    # max_tokens as the field every OpenAI-compatible server reads (LangChain would send max_completion_tokens)
    bound = {"extra_body": {"max_tokens": min(max_chars, MAX_TOKENS)}} if max_chars else {}
    try:
        for chunk in model.stream(messages, **bound):
            finish = chunk.response_metadata.get("finish_reason") or finish
            delta = chunk.text if isinstance(chunk.text, str) else str(chunk.content)
            if delta:
                parts.append(delta)
                size += len(delta)
                if max_chars and size > max_chars:
                    raise CutOff(f"模型的回答超过 {max_chars} 字仍未结束（远超本部分应有的篇幅），已中止，原文保留。请重试。")
                if on_delta:
                    on_delta(delta)
    except openai.APITimeoutError as e:
        raise ModelError("模型响应超时：在 DRAFTER_LLM_TIMEOUT 规定的时间内没有写完（含重试）。请稍后重试，或调大这个设置。") from e
    except openai.AuthenticationError as e:
        raise ModelError("模型服务拒绝了密钥：请检查 DRAFTER_LLM_API_KEY。") from e
    except openai.NotFoundError as e:
        raise ModelError("模型服务找不到该模型或地址：请检查 DRAFTER_LLM_MODEL 和 DRAFTER_LLM_BASE_URL。") from e
    except openai.APIStatusError as e:
        raise ModelError(f"模型服务返回错误 {e.status_code}：{_short(_redact(e.message, model))}") from e
    except openai.APIConnectionError as e:
        raise ModelError(f"连接不上模型服务 {getattr(model, 'openai_api_base', '')}：请检查地址和网络。") from e
    except (openai.APIError, ValueError) as e:  # a malformed stream raises json.JSONDecodeError
        raise ModelError(f"模型服务的回复无法解析（{type(e).__name__}：{_short(_redact(str(e), model))}）。") from e
    finally:
        _deadline.reset(token)
    if on_usage and (counted := getattr(chunk, "usage_metadata", None)):  # servers that count send it last
        on_usage(counted.get("input_tokens", 0), counted.get("output_tokens", 0))
    if finish in _UNFINISHED:
        raise (CutOff if finish == "length" else ModelError)(_UNFINISHED[finish])
    return "".join(parts)


MAX_TOKENS = 8000  # the smallest output cap among the usual services (DeepSeek: 8K)
_UNFINISHED = {
    None: "模型的回答中途断开（没有收到结束标记），只写了一部分，原文保留。请重试。",
    "length": "模型的回答被长度上限截断，原文保留。请重试；若反复如此，请换用上下文更大的模型。",
    "content_filter": "模型的回答被模型服务的内容审核中断，原文保留。请调整指令或笔记后重试。",
}


def _redact(text: str, model: BaseChatModel) -> str:
    """A server may echo the request's Authorization header in its error: the key never reaches the writer."""
    key = getattr(model, "openai_api_key", None)
    secret = key.get_secret_value() if key is not None and hasattr(key, "get_secret_value") else ""
    if secret and len(secret) >= 6:
        text = text.replace(secret, "***")
    return re.sub(r"(?i)(bearer\s+|api[_-]?key[\"':= ]+)[A-Za-z0-9._\-]{6,}", r"\1***", text)


def _short(text: str, limit: int = 160) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def estimate_tokens(text: str) -> int:
    """Tokens of a text without the model's tokenizer (none is downloaded): about 1.4 Chinese characters or 3.5
    other characters a token, as the tokenizers of Qwen, DeepSeek and GLM cut Chinese official prose."""
    han = len(re.findall(r"[\u4e00-\u9fff\u3000-\u303f\uff00-\uffef]", text))
    return round(han / 1.4 + (len(text) - han) / 3.5)


@dataclass
class Call:
    """One model call through the gate: when it was sent, how many were in flight, when its first token came."""

    sent: float
    peers: int  # calls in flight when this one was sent
    first: float | None = None


class Gate:
    """At most `limit` model calls at once, lowered when the server is seen to queue them: a call sent beside
    others whose first token comes only as another call ends is waiting in the server's queue, not being
    answered, and its deadline runs for nothing. Seen twice, the limit becomes the number of calls the server
    was seen answering at once (a single-slot local server: one)."""

    def __init__(self, limit: int):
        self.limit, self.lowered_from = limit, 0
        self._active: list[Call] = []
        self._ends: list[float] = []
        self._queued = self._served = 0  # calls seen queued; the most calls seen answered at once
        self._cond = threading.Condition()

    @contextmanager
    def slot(self) -> Iterator[Call]:
        with self._cond:
            while len(self._active) >= self.limit:
                self._cond.wait()
            call = Call(time.monotonic(), len(self._active))
            self._active.append(call)
        try:
            yield call
        finally:
            with self._cond:
                self._active.remove(call)
                self._ends.append(time.monotonic())
                self._cond.notify_all()

    def first_token(self, call: Call) -> None:
        with self._cond:
            call.first = now = time.monotonic()
            self._served = max(self._served, sum(c.first is not None for c in self._active))
            if not call.peers:
                return
            waited = now - call.sent
            freed = [e for e in self._ends if call.sent < e <= now]
            if freed and waited > 1.0 and now - max(freed) < max(0.5, 0.25 * waited):
                self._queued += 1
            if self._queued >= 2 and self.limit > self._served:
                self.lowered_from = self.lowered_from or self.limit
                self.limit = self._served
