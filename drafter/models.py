"""Typed data passed between stages."""

from dataclasses import dataclass, field
from typing import Literal

Period = Literal["annual", "H1", "other"]
Kind = Literal["actual", "target", "growth"]
Scope = Literal["local", "context"]
Part = Literal["review", "plan"]


@dataclass(frozen=True)
class DocMeta:
    """What a document is about. Unknown fields stay None; nothing is guessed silently."""

    org: str | None = None
    year: int | None = None
    period: Period | None = None
    title: str | None = None


@dataclass(frozen=True)
class Section:
    """One heading and the text under it, up to the next heading of any level."""

    level: int
    marker: str  # "一、", "(一)", "1.", "(1)", "一是" or "" for the preamble
    title: str
    heading: str  # as written, marker included
    body: str
    start: int  # character span of heading + body in Document.text
    end: int
    parent: int | None = None  # index of the parent section in Document.sections
    part: Part | None = None  # review (this year's work) or plan (next year's)


@dataclass(frozen=True)
class Figure:
    """A quantitative statement found in a document."""

    indicator: str
    value: float
    unit: str
    period: str | None
    kind: Kind
    scope: Scope
    sentence: str
    value_text: str
    value_high: float | None = None
    qualifier: str | None = None
    suspect: bool = False
    section: str | None = None  # heading of the enclosing section
    start: int = 0  # offset of the number in Document.text


@dataclass
class Document:
    """A parsed past summary."""

    path: str
    sha256: str
    meta: DocMeta
    text: str  # cleaned text that sections and figures point into
    sections: list[Section] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


# ---- drafts: types shared by the engine, the session, the stores and the faces --------------------

Origin = Literal["generated", "offline", "manual", "chat", "patch", "restore"]
EventKind = Literal["queued", "started", "asked", "delta", "repair", "done", "failed", "saved"]


@dataclass(frozen=True)
class Finding:
    """Something a check found in a text: its span, what is wrong (in Chinese) and what to do."""

    kind: str  # unverified_number | placeholder | pending | copied_text | inconsistent_prior | context_as_local
    #            | target_as_actual | plan_as_done | outline
    start: int
    end: int
    text: str
    message: str
    suggestion: str = ""
    indicator: str = ""  # the claim it is about, when the number names a facts row
    role: str = ""  # value | prior | target | next_target | 增量 | 同比增长 | 提高 | 完成率

    def to_json(self) -> dict:
        """The `drafter check --json` contract: kind, text, start, end, message; then the suggested fix and,
        for a number about a named indicator, its claim."""
        out = {"kind": self.kind, "text": self.text, "start": self.start, "end": self.end, "message": self.message,
               "suggestion": self.suggestion}
        return out | ({"indicator": self.indicator, "role": self.role} if self.indicator else {})


@dataclass(frozen=True)
class NumberSpan:
    """A number in a section bound to the fact it states: what the in-place patcher moves."""

    start: int
    end: int
    text: str  # the number as written, unit included (98家, 5.30亿元, 13.2%)
    indicator: str
    role: str  # value | target | next_target | prior | 增量 | 同比增长 | 提高 | 完成率


@dataclass(frozen=True)
class PassageRef:
    """A past passage a section's prompt was given."""

    doc: str
    section: str
    score: float


@dataclass(frozen=True)
class Usage:
    """What a section's model calls took: prompt and answer sizes, time to the first token, generation time.
    Tokens are the server's count when it sends one, else estimated from the characters (`estimated`)."""

    calls: int = 0  # the first answer and any repair round
    repairs: int = 0
    prompt_chars: int = 0
    prompt_tokens: int = 0
    answer_chars: int = 0
    answer_tokens: int = 0
    first_token: float | None = None  # seconds from sending the first call to its first token
    generating: float = 0.0  # seconds from first token to the end, summed over the calls
    estimated: bool = True

    @property
    def tokens_per_second(self) -> float | None:
        return self.answer_tokens / self.generating if self.generating > 0 else None


@dataclass(frozen=True)
class Event:
    """What drafting reports while it runs: a section queued, started, its prompt sent (`asked`, with its size),
    a text delta, a repair round, done, failed, saved."""

    kind: EventKind
    section: str
    text: str = ""  # the delta; the final text when done; the reason when failed
    findings: tuple[Finding, ...] = ()
    usage: Usage | None = None


@dataclass(frozen=True)
class SectionResult:
    """What the engine made of one section. A failed section carries no text: the caller keeps the old one."""

    id: str
    text: str
    ok: bool
    origin: Origin
    findings: tuple[Finding, ...] = ()
    replaced: tuple[str, ...] = ()  # numbers the guard replaced by 【待核实：…】
    spans: tuple[NumberSpan, ...] = ()
    passages: tuple[PassageRef, ...] = ()
    prompt_hash: str = ""
    error: str | None = None
    prompt_chars: int = 0
    seconds: float = 0.0
    usage: Usage = Usage()
    dropped: tuple[str, ...] = ()  # figures a model wrote though asked for none, removed with their clause
    heading: str = ""  # this year's heading the model wrote for a section marked `retitle` ("" when kept)


@dataclass(frozen=True)
class Version:
    """One saved text of a section. Versions are append-only; number counts from 1 per section."""

    id: int
    section: str
    number: int
    text: str
    origin: Origin
    facts_rev: int
    created_at: str
    findings: tuple[Finding, ...] = ()
    spans: tuple[NumberSpan, ...] = ()
    passages: tuple[PassageRef, ...] = ()
    prompt_hash: str = ""
    note: str = ""


@dataclass(frozen=True)
class DraftInfo:
    id: int
    name: str
    org: str
    year: int
    period: str  # annual | H1
    outline: str
    created_at: str
    updated_at: str


@dataclass(frozen=True)
class FactRow:
    """One row of the facts-and-sources table: a figure, its derived values and where last year's came from."""

    indicator: str
    unit: str
    value: float | None
    prior: float | None
    target: float | None
    next_target: float | None
    derived: tuple[tuple[str, str], ...]  # (同比增长, "15.3%"), (增量, "-1家") …: signed, a fall with a minus
    prior_source: str  # "file name：sentence", "填写" or ""
    sections: tuple[str, ...] = ()  # headings of the sections that state it
    target_source: str = ""  # "file name：sentence" of last year's 工作打算 when the target comes from it


@dataclass(frozen=True)
class ExportSection:
    heading: str  # with its marker (一、 （一）); "" for the untitled opening paragraph
    level: int  # 0 opening, 1 一、, 2 （一）
    text: str  # paragraphs separated by blank lines
    run_in: bool = False  # the heading starts the first paragraph: （一）环境卫生治理能力持续提升。龙华…
    items_apart: bool = False  # its titled items (（一）推动创新主体量质齐升。…) set as headings of their own


@dataclass(frozen=True)
class ExportDocument:
    """A draft as it is exported: title, sections in order, signature and date."""

    title: str
    sections: tuple[ExportSection, ...]
    signature: str  # 发文机关署名, e.g. 示例县科学技术局
    date: str  # 成文日期, e.g. 2024年12月20日
    facts: tuple[FactRow, ...] = ()
