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
