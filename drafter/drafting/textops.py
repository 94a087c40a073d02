"""Text changes that need no model: a readable character diff for Chinese, renumbering 一是/二是, and
removing the offline drafter's （参考表述：…） hints."""

import re
from difflib import SequenceMatcher

from drafter.drafting.outlines import cn_ordinal
from drafter.numbers.checks import SCAFFOLDING

HINT = re.compile(r"（参考表述：[^）]*）")
TOKEN = re.compile(r"\d+(?:[.,]\d+)*%?|[A-Za-z]+|\s+|.", re.S)  # a number changes as a whole, not digit by digit


def diff(a: str, b: str) -> list[tuple[str, str]]:
    """(op, text) runs from a to b, op in equal | delete | insert; tiny equal runs between changes are
    folded into them so that a rewritten clause reads as one change, not a scatter of single characters."""
    ta, tb = TOKEN.findall(a), TOKEN.findall(b)
    runs: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in SequenceMatcher(None, ta, tb, autojunk=False).get_opcodes():
        if op in ("delete", "replace"):
            runs.append(("delete", "".join(ta[i1:i2])))
        if op in ("insert", "replace"):
            runs.append(("insert", "".join(tb[j1:j2])))
        if op == "equal":
            runs.append(("equal", "".join(ta[i1:i2])))
    return _merge(_fold(runs))


def _fold(runs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    out: list[tuple[str, str]] = []
    for i, (op, text) in enumerate(runs):
        between = 0 < i < len(runs) - 1 and runs[i - 1][0] != "equal" and runs[i + 1][0] != "equal"
        if op == "equal" and len(text) <= 2 and between:
            out += [("delete", text), ("insert", text)]
        else:
            out.append((op, text))
    return out


def _merge(runs: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Adjacent runs of one kind joined; within a change, deletions first, then insertions."""
    out: list[tuple[str, str]] = []
    i = 0
    while i < len(runs):
        if runs[i][0] == "equal":
            out.append(runs[i])
            i += 1
            continue
        j = i
        while j < len(runs) and runs[j][0] != "equal":
            j += 1
        gone = "".join(t for op, t in runs[i:j] if op == "delete")
        new = "".join(t for op, t in runs[i:j] if op == "insert")
        out += [r for r in (("delete", gone), ("insert", new)) if r[1]]
        i = j
    return out


def renumber(text: str) -> str:
    """一是…三是…二是 → 一是…二是…三是, counted afresh in each paragraph."""
    out = []
    for paragraph in text.split("\n\n"):
        count = 0

        def next_point(m: re.Match) -> str:
            nonlocal count
            count += 1
            return f"{cn_ordinal(count)}是"

        out.append(re.sub(r"(?:(?<=^)|(?<=[。；：:！？）\n]))[一二三四五六七八九十]+是", next_point, paragraph))
    return "\n\n".join(out)


def close_gaps(text: str) -> str:
    """Points numbered without a gap after some were removed or written as headings: 一是…三是 → 一是…二是. The
    count runs on across paragraphs (a point per paragraph) and starts again at each 一是 as written."""
    count = 0

    def next_point(m: re.Match) -> str:
        nonlocal count
        count = 1 if m[0] == "一是" else count + 1
        return f"{cn_ordinal(count)}是"

    return re.sub(r"(?:(?<=^)|(?<=[。；：:！？）\n]))[一二三四五六七八九十]+是", next_point, text)


def number_in_order(text: str) -> str:
    """一是…一是…二是 → 一是…二是…三是: one list through the whole text (a plan or 存在的问题 whose points were
    written partly by code, partly by the model)."""
    count = 0

    def next_point(m: re.Match) -> str:
        nonlocal count
        count += 1
        return f"{cn_ordinal(count)}是"

    return re.sub(r"(?:(?<=^)|(?<=[。；：:！？）\n]))[一二三四五六七八九十]+是", next_point, text)


def strip_hints(text: str) -> str:
    return HINT.sub("", text)


def for_export(text: str) -> str:
    """A section as it leaves the workbench: no （参考表述：…） hints, no scaffolding brackets, no line left empty
    by removing them; 【待核实：…】 markers stay, for the writer to see in the file."""
    lines = SCAFFOLDING.sub("", strip_hints(text)).split("\n")
    return "\n".join(line for line, was in zip(lines, text.split("\n")) if line.strip() or not was.strip())


_HEADING_MARK = re.compile(r"^(?:标题[:：]\s*)?(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)])?")


def new_heading(answer: str, old: str) -> str:
    """A model's answer as this year's heading in the pattern of `old` (the bureau's past one): its first line without
    a marker, quotes or final stop; "" unless it has the old one's shape (two phrases joined by a comma when the old
    had them), no figure or bracket and a heading's size (the old one itself, where it still sums the section up)."""
    line = next((line.strip() for line in answer.strip().splitlines() if line.strip()), "")
    line = _HEADING_MARK.sub("", line).strip("“”\"'《》 *#").rstrip("。.；;").replace(",", "，")
    if (line.count("，") != old.replace(",", "，").count("，") or re.search(r"[\d０-９【】\[\]]", line)
            or not 0.5 * len(old) <= len(line) <= 1.6 * len(old) + 2):
        return ""
    return line
