"""What a drafting run has done and has left, read from its events, for the faces to show: per section the
prompt sent, the time waited for the first word, the words streamed; for the run, sections done and an
estimate of the time left from the sections finished so far. A 10-minute local draft must not look hung."""

import time
from dataclasses import dataclass, field

from drafter.models import Event, Usage


@dataclass
class Running:
    since: float
    asked: Usage | None = None  # the last prompt sent: its size
    first: float | None = None  # when its first word came
    chars: int = 0


@dataclass
class Progress:
    headings: dict[str, str]  # section id → heading as the writer reads it
    clock: object = time.monotonic
    queued: list[str] = field(default_factory=list)
    running: dict[str, Running] = field(default_factory=dict)
    finished: dict[str, float] = field(default_factory=dict)  # section → seconds it took
    started: float | None = None

    def apply(self, event: Event) -> str | None:
        """Take one event; the line worth printing for it, if any."""
        now, sid = self.clock(), event.section
        name = self.headings.get(sid, sid) or "开头总述"
        if event.kind == "queued":
            self.queued.append(sid)
        elif event.kind == "started":
            self.started = now if self.started is None else self.started
            self.running[sid] = Running(now)
        elif event.kind == "asked" and sid in self.running:
            r = self.running[sid]
            r.asked, r.first, r.chars = event.usage, None, 0
            if event.usage:
                return f"{name}：已发出提示 {event.usage.prompt_chars:,} 字（约 {event.usage.prompt_tokens:,} tokens），等待模型作答…"
        elif event.kind == "delta" and sid in self.running:
            r = self.running[sid]
            if r.first is None:
                r.first = now
            r.chars += len(event.text)
        elif event.kind in ("done", "failed") and sid in self.running:
            self.finished[sid] = now - self.running.pop(sid).since
            if event.kind == "done":
                return self._finished_line(name, event)
        return None

    def _finished_line(self, name: str, event: Event) -> str:
        parts = [f"{len(event.text)}字", f"用时 {_duration(self.finished[event.section])}"]
        u = event.usage
        if u and u.first_token is not None:
            parts.insert(1, f"首字 {u.first_token:.0f} 秒")
        if u and u.tokens_per_second:
            parts.insert(2, f"{u.tokens_per_second:.1f} tokens/秒")
        if u and u.repairs:
            parts.append(f"修改 {u.repairs} 轮")
        return f"{name}  " + " · ".join(parts) + f"  ｜ {self.summary()}"

    def summary(self) -> str:
        """已完成 3/11 · 用时 4分12秒 · 预计还需约 8 分钟"""
        total = len(self.queued) or len(self.finished) + len(self.running)
        done = len(self.finished)
        out = [f"已完成 {done}/{total}"]
        if self.started is not None:
            out.append(f"用时 {_duration(self.clock() - self.started)}")
        if (left := self.estimate()) is not None and done < total:
            out.append(f"预计还需约 {_duration(left, rough=True)}")
        return " · ".join(out)

    def estimate(self) -> float | None:
        """Seconds left: the mean time of the sections finished so far for each one not started, shared among the
        sections running at once, plus what the running ones have left of that mean. None before any is done."""
        if not self.finished:
            return None
        mean = sum(self.finished.values()) / len(self.finished)
        now = self.clock()
        waiting = len([s for s in self.queued if s not in self.finished and s not in self.running])
        at_once = max(1, len(self.running))
        running_left = max((max(0.0, mean - (now - r.since)) for r in self.running.values()), default=0.0)
        return running_left + waiting * mean / at_once

    def waiting(self) -> list[str]:
        """A line per running section: what it is waiting for and for how long (the heartbeat)."""
        now, lines = self.clock(), []
        for sid, r in self.running.items():
            name = self.headings.get(sid, sid) or "开头总述"
            if r.first is None:
                size = f"（提示 {r.asked.prompt_chars:,} 字）" if r.asked else ""
                lines.append(f"{name}：等待模型作答{size}，已等 {_duration(now - r.since)}")
            else:
                lines.append(f"{name}：已写 {r.chars} 字，用时 {_duration(now - r.since)}")
        return lines


def _duration(seconds: float, rough: bool = False) -> str:
    seconds = max(0, round(seconds))
    if rough:
        return f"{max(1, round(seconds / 60))} 分钟" if seconds >= 90 else f"{max(10, round(seconds, -1))} 秒"
    return f"{seconds // 60}分{seconds % 60:02d}秒" if seconds >= 60 else f"{seconds} 秒"
