"""What a section's model calls take, as they happen: the prompt sent, the first token, the answer streamed, the
repair rounds; reported as events and summed into the section's Usage."""

import time
from collections.abc import Callable

from langchain_core.messages import BaseMessage

from drafter.llm import estimate_tokens
from drafter.models import Event, Usage

OnEvent = Callable[[Event], None]
class Meter:
    """A section's model calls as they happen: the prompt sent (an `asked` event with its size), the first token,
    the answer streamed (delta events), repair rounds; summed into the section's Usage."""

    def __init__(self, section: str, emit: OnEvent):
        self.section, self.emit = section, emit
        self.calls = self.repairs = self.prompt_chars = self.prompt_tokens = self.answer_chars = 0
        self.answer_tokens, self.first_token, self.generating = 0, None, 0.0
        self.counted_by_server = False
        self._sent = self._first = 0.0
        self._on_first: Callable[[], None] | None = None
        self._counted: tuple[int, int] | None = None
        self._parts: list[str] = []
        self._estimate = 0

    def asked(self, messages: list[BaseMessage], on_first: Callable[[], None]) -> None:
        chars, self._estimate = sum(len(m.content) for m in messages), sum(estimate_tokens(m.content) for m in messages)
        self.calls += 1
        self._sent, self._first, self._on_first, self._counted, self._parts = time.perf_counter(), 0.0, on_first, None, []
        self.prompt_chars += chars
        self.emit(Event("asked", self.section, usage=Usage(1, 0, chars, self._estimate)))

    def delta(self, text: str) -> None:
        if self._on_first is not None and not self._first:
            self._first = time.perf_counter()
            if self.first_token is None:
                self.first_token = self._first - self._sent
            self._on_first()
        self._parts.append(text)
        self.emit(Event("delta", self.section, text))

    def counted(self, prompt_tokens: int, answer_tokens: int) -> None:
        self._counted = (prompt_tokens, answer_tokens)

    def ended(self) -> None:
        """A call's answer is complete: its sizes and time go into the totals."""
        if self._first:
            self.generating += time.perf_counter() - self._first
        answer = "".join(self._parts)
        self.answer_chars += len(answer)
        if self._counted:
            self.counted_by_server = True
            self.prompt_tokens += self._counted[0]
            self.answer_tokens += self._counted[1]
        else:
            self.prompt_tokens += self._estimate
            self.answer_tokens += estimate_tokens(answer)

    def repair(self, why: str) -> None:
        self.repairs += 1
        self.emit(Event("repair", self.section, why))

    def usage(self) -> Usage:
        return Usage(self.calls, self.repairs, self.prompt_chars, self.prompt_tokens, self.answer_chars,
                     self.answer_tokens, self.first_token, self.generating, not self.counted_by_server)
