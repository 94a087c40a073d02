"""The whole-document pass, after the sections are written: the same fact stated in several body sections, and a
section far over or under the outline's length. Reported to the writer; nothing is changed."""

from dataclasses import dataclass

from drafter.models import Finding, NumberSpan
from drafter.numbers.claims import ROLES

SHORT, LONG = 0.4, 2.0  # of the outline's length


@dataclass(frozen=True)
class Written:
    heading: str
    body: bool  # a body section (synthesis sections restate headline figures by design)
    text: str
    spans: tuple[NumberSpan, ...]
    length: int  # the outline's length for it (0: none)


def document_findings(sections: list[Written]) -> list[Finding]:
    stated: dict[tuple[str, str], list[str]] = {}
    for s in sections:
        if s.body:
            for key in dict.fromkeys((span.indicator, span.role) for span in s.spans):
                stated.setdefault(key, []).append(s.heading)
    out = [Finding("repeat", 0, 0, f"{indicator}（{ROLES.get(role, role)}）",
                   f"{indicator}（{ROLES.get(role, role)}）在{'、'.join(headings)}中都写了。",
                   "只在最相关的一节写这个数，其他节写做法或引用它。")
           for (indicator, role), headings in stated.items() if len(headings) > 1]
    for s in sections:
        size = len("".join(s.text.split()))
        if s.length and s.text and not SHORT * s.length <= size <= LONG * s.length:
            out.append(Finding("length", 0, 0, s.heading,
                               f"{s.heading}约{size}字，提纲要求约{s.length}字，{'偏短' if size < s.length else '偏长'}较多。",
                               "补写要点，或删去重复和空泛的话。"))
    return out
