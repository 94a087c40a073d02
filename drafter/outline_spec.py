"""The outline a draft is written under, as data: its sections (SectionSpec), the outline (OutlineSpec) and
the numbered sections of one draft (PlannedSection). Typed data that crosses the layers; reading outline
files is drafting.outlines."""

import re
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from drafter.errors import DrafterError

CN_DIGITS = "一二三四五六七八九十"
SectionKind = Literal["body", "synthesis", "heading"]
SYNTHESIS_TEMPLATES = ("lead", "problems", "plan")
_FIELDS = {"org": "某某县科学技术局", "year": 2024, "next_year": 2025, "half": "上半年", "next_half": "下半年"}


class OutlineError(DrafterError):
    """An outline spec file is missing or malformed."""


class SectionSpec(BaseModel):
    """One section of the house outline."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    heading: str = Field("", description="Heading without its marker; may use {year} {next_year} {org} {half}.")
    level: int = Field(ge=0, le=2, description="0: untitled opening paragraph; 1: 一、; 2: （一）.")
    kind: SectionKind
    template: Literal["body", "lead", "problems", "plan"] | None = None
    query: str = ""
    topic: str | None = None
    indicators: tuple[str, ...] = ()
    guidance: str = ""
    length: int = Field(0, ge=0, le=5000, description="Target length in characters.")
    points: int = Field(0, ge=0, le=9, description="Number of 一是/二是 points.")
    items: tuple[str, ...] = Field((), description="Titled items as the bureau's past summary had them (its plan: "
                                   "推动创新主体量质齐升 …): the section is written as titled items in that pattern.")
    headline: int = Field(4, ge=0, le=8, description="Of the opening: how many of the year's main figures it states "
                          "(0: the bureau's opening states none).")
    retitle: bool = Field(False, description="The heading is the bureau's evaluative line of a past year (聚焦企业培育，"
                          "创新主体持续壮大): once the section is written, the model writes this year's in that pattern.")
    past_heading: str = Field("", description="Of a `retitle` section: the bureau's own heading it was written from, "
                              "kept once the model has written this year's (the pattern of the next one).")
    items_apart: bool = Field(False, description="Its titled items are set as headings of their own, as the bureau's "
                              "last plan had them (（一）推动创新主体量质齐升 on a line, its text below).")
    run_in: bool = Field(False, description="The heading runs into the section's first paragraph, as the bureau "
                         "writes it: （一）环境卫生治理能力持续提升。龙华…")
    optional: bool = False
    note_keys: tuple[str, ...] = Field((), description="Names under which the writer's notes for this section appear.")

    @field_validator("heading")
    @classmethod
    def _known_fields(cls, value: str) -> str:
        try:
            value.format(**_FIELDS)
        except (KeyError, IndexError, ValueError) as e:
            raise ValueError(f"unknown placeholder {e} (use {{year}} {{next_year}} {{org}} {{half}} {{next_half}})") from e
        return value

    @property
    def prompt(self) -> str:
        """Name of the prompt template that writes this section."""
        return self.template or ("body" if self.kind == "body" else self.id)


class OutlineSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str
    label: str
    period: Literal["annual", "H1"]
    title: str
    bureau: str = Field("", description="Regex of the bureaus whose work the body sections are written for "
                        "(科学技术局|科技局); empty: any bureau.")
    self_name: str = Field("", description="How the bureau names itself in its past summaries (县科技局, 我局); "
                           "empty: its short name or 我局.")
    sections: tuple[SectionSpec, ...]

    def fits(self, org: str) -> bool:
        """Whether the outline is written for this bureau's work."""
        return not self.bureau or bool(re.search(f"(?:{self.bureau})$", org))

    @field_validator("sections")
    @classmethod
    def _consistent(cls, sections: tuple[SectionSpec, ...]) -> tuple[SectionSpec, ...]:
        ids = [s.id for s in sections]
        if dupes := sorted({i for i in ids if ids.count(i) > 1}):
            raise ValueError(f"duplicate section id {', '.join(dupes)}")
        for s in sections:
            if s.kind == "synthesis" and s.prompt not in SYNTHESIS_TEMPLATES:
                raise ValueError(f"synthesis section {s.id!r} needs `template: lead | problems | plan`")
            if s.kind != "heading" and s.level > 0 and not s.heading:
                raise ValueError(f"section {s.id!r} has no heading")
        return sections


@dataclass(frozen=True)
class PlannedSection:
    """A section of one draft: its spec and its rendered, numbered heading."""

    spec: SectionSpec
    marker: str
    heading: str  # marker + title, exactly as it must appear in the draft
    title: str
    parent: str | None  # id of the enclosing level-1 section


def plan(spec: OutlineSpec, *, org: str, year: int, skip: tuple[str, ...] = ()) -> list[PlannedSection]:
    """The enabled sections of a draft, numbered: level 1 as 一、二、, level 2 as （一）（二） under their parent."""
    unknown = set(skip) - {s.id for s in spec.sections}
    if unknown:
        raise OutlineError(f"提纲 {spec.name} 中没有章节 {'、'.join(sorted(unknown))}；"
                           f"可用：{'、'.join(s.id for s in spec.sections)}。")
    values = _fields(org, year)
    out: list[PlannedSection] = []
    top = sub = 0
    parent: str | None = None
    for s in spec.sections:
        if s.id in skip:
            continue
        title = s.heading.format(**values)
        if s.level == 1:
            top, sub, parent = top + 1, 0, s.id
            marker = f"{cn_ordinal(top)}、"
        elif s.level == 2:
            sub += 1
            marker = f"（{cn_ordinal(sub)}）"
        else:
            marker = ""
        out.append(PlannedSection(s, marker, f"{marker}{title}", title, parent if s.level == 2 else None))
    return out


def title(spec: OutlineSpec, *, org: str, year: int) -> str:
    return spec.title.format(**_fields(org, year))


def _fields(org: str, year: int) -> dict:
    return {"org": org, "year": year, "next_year": year + 1, "half": "上半年", "next_half": "下半年"}


def cn_ordinal(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 21 -> 二十一."""
    if n < 10:
        return CN_DIGITS[n - 1]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_DIGITS[tens - 1]) + "十" + (CN_DIGITS[ones - 1] if ones else "")
