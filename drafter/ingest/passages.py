"""Split sections into passages, mask their numbers for use as style exemplars, assign outline topics."""

import hashlib
import re
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np
import yaml

from drafter.models import DocMeta, Section

MIN_CHARS = 80
MAX_CHARS = 300
_SENTENCE = re.compile(r"[^。！？!?；;\n]+[。！？!?；;]?")
_CN_COUNT = re.compile(r"(?<![第之一])[两二三四五六七八九十百千]+(?=[个家项件人名次份所台套条座批户])")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*(?:\s*[-~～—至]\s*\d+(?:\.\d+)?)?")


@dataclass(frozen=True)
class Passage:
    id: str
    doc: str  # file name of the source document
    path: str
    org: str | None
    year: int | None
    period: str | None
    section_idx: int
    section: str  # heading path, e.g. "一、主要工作 > (一)企业培育"
    part: str
    position: int  # order within the document
    text: str
    masked: str
    topic: str = ""


def mask(text: str) -> str:
    """Replace numbers and counted Chinese numerals: 新增高新技术企业12家 -> 新增高新技术企业〔N〕家."""
    return _NUMBER.sub("〔N〕", _CN_COUNT.sub("〔N〕", text))


def split_text(text: str) -> list[str]:
    """Sentence groups of roughly MIN_CHARS–MAX_CHARS characters; a long sentence is cut at commas."""
    sentences: list[str] = []
    for s in (m.group(0).strip() for m in _SENTENCE.finditer(text)):
        sentences += _cut_long(s) if len(s) > MAX_CHARS else [s] if s else []
    chunks: list[str] = []
    for s in sentences:
        if chunks and len(chunks[-1]) + len(s) <= MAX_CHARS and (len(chunks[-1]) < MIN_CHARS or len(s) < MIN_CHARS // 2):
            chunks[-1] += s
        else:
            chunks.append(s)
    if len(chunks) > 1 and len(chunks[-1]) < MIN_CHARS // 2 and len(chunks[-2]) + len(chunks[-1]) <= MAX_CHARS + MIN_CHARS:
        chunks[-2] += chunks.pop()
    return chunks


def _cut_long(sentence: str) -> list[str]:
    parts, current = [], ""
    for piece in re.split(r"(?<=[,，、])", sentence):
        if current and len(current) + len(piece) > MAX_CHARS:
            parts.append(current)
            current = ""
        current += piece
    return parts + [current] if current else parts


def document_passages(path: str, key: str, meta: DocMeta, sections: list[Section]) -> list[Passage]:
    """All passages of a document; each stays inside its section, the heading opening the first one.
    `key` identifies the document version; passage ids derive from it."""
    name = path.replace("\\", "/").rsplit("/", 1)[-1]
    out: list[Passage] = []
    for idx, section in enumerate(sections):
        own = (section.heading + ("" if section.heading.endswith("。") or not section.heading else " ") + section.body).strip()
        if len(own) < 10:
            continue
        trail = _heading_path(sections, idx)
        for chunk in split_text(own):
            pid = hashlib.sha1(f"{key}|{idx}|{len(out)}|{chunk}".encode()).hexdigest()[:20]
            out.append(Passage(pid, name, path, meta.org, meta.year, meta.period, idx, trail, section.part or "review",
                               len(out), chunk, mask(chunk)))
    return out


def _heading_path(sections: list[Section], idx: int) -> str:
    trail = []
    node: int | None = idx
    while node is not None:
        if sections[node].heading:
            trail.append(sections[node].heading.rstrip("。"))
        node = sections[node].parent
    return " > ".join(reversed(trail))


@dataclass(frozen=True)
class Topic:
    id: str
    description: str
    keywords: tuple[str, ...]


@cache
def topics() -> tuple[Topic, ...]:
    rows = yaml.safe_load(resources.files("drafter").joinpath("data/topics.yaml").read_text("utf-8"))
    return tuple(Topic(r["id"], r["description"], tuple(r["keywords"])) for r in rows)


def keyword_topic(heading: str, body: str) -> tuple[str | None, int]:
    """Best topic by keywords (heading hits count triple) and its score; None when nothing matches."""
    best, best_score = None, 0
    for topic in topics():
        score = sum(3 * heading.count(k) + body.count(k) for k in topic.keywords)
        if score > best_score:
            best, best_score = topic.id, score
    return best, best_score


def assign_topics(passages: list[Passage], sections: list[Section], vectors: np.ndarray,
                  topic_vectors: np.ndarray) -> list[str]:
    """A topic per passage, decided per section: its role, else keywords, else the parent's topic,
    else the topic description closest to the section's passages."""
    members: dict[int, list[int]] = {}
    for i, p in enumerate(passages):
        members.setdefault(p.section_idx, []).append(i)
    ids = [t.id for t in topics()]
    chosen: dict[int, str] = {}
    for idx, section in enumerate(sections):
        topic, score = keyword_topic(section.heading, section.body)
        parent = chosen.get(section.parent) if section.parent is not None else None
        if section.level == 0:
            topic = "总述"
        elif section.level == 1 and section.part == "plan":
            topic = "打算"
        elif section.level == 1 and re.search(r"问题|不足|差距", section.title):
            topic = "问题"
        elif score == 0 and parent and sections[section.parent].level >= 2:
            topic = parent
        elif score == 0 and idx in members:
            topic = ids[int(np.argmax(topic_vectors @ vectors[members[idx]].mean(axis=0)))]
        chosen[idx] = topic or "总述"
    return [chosen[p.section_idx] for p in passages]
