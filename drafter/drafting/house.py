"""The house outline: the outline of the bureau's own most recent summary of the same period, laid over the
shipped outline. Each of its headings is matched to a shipped section by what the two speak of (the shipped
section brings its retrieval query, indicators and prompt); a heading with no shipped counterpart becomes a
section of its own (its query from its heading, its indicators the figures the bureau reported under it, its
length and points as the bureau wrote it), so that any bureau drafts under its own outline; a shipped section
with no counterpart is proposed off. Headings keep the bureau's wording, years as {year}."""

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from drafter.ingest.passages import keyword_topic, topics
from drafter.models import Section
from drafter.numbers.checks import bigrams, stock_phrases
from drafter.numbers.figures import indicator as catalog_entry
from drafter.outline_spec import OutlineSpec, SectionSpec

_MARKER = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)]|[一二三四五六七八九十]+是)\s*")
# words every heading of a summary shares: they say nothing about which section it is
_COMMON = set("工作 情况 科技 创新 建设 持续 进一 一步 不断 全面 加强 推动 提升 强化 深化 着力 聚焦 实施".split())
MATCH = 0.2  # share of the past heading's words the shipped section must hold
# a heading that claims the year's result (重大平台实现飞跃, 争取资金领跑南通): last year's, to be written anew
_CLAIMED = re.compile(r"领跑|飞跃|涌现|突破|新进展|新成效|新台阶|新高|首位|第一|历史性|成效明显|成效显著")


@dataclass(frozen=True)
class Proposal:
    section: str  # the section id it becomes: a shipped section's, or own1, own2 … for a section of its own
    past: str  # the heading as the bureau wrote it (marker removed)
    heading: str  # as proposed for this draft: years as {year} / {next_year}
    level: int
    evaluative: bool  # 聚焦企业培育，创新主体持续壮大: written from the year's content, to be rewritten for this one
    own: bool = False  # no shipped counterpart: a section of its own, shaped after the past one
    kind: str = "body"  # of an own section: body, or heading when sub-sections follow it
    length: int = 0  # of an own body section: the past one's, in characters
    points: int = 0  # of a body section: the past one's 一是/1. items (none: one paragraph, as it was)
    source: str = ""  # the past section's heading as stored (its figures are found under it)
    run_in: bool = False  # the heading ran into its text: （一）环境卫生治理能力持续提升。龙华…
    body: str = ""  # the past section's text: what the bureau writes under it
    items: tuple[str, ...] = ()  # its numbered sub-headings (1.加强组织领导。2.落实工作责任。): written the same way


def propose(spec: OutlineSpec, past: list[Section], past_year: int) -> list[Proposal]:
    """The past summary's review and plan headings of level 1 and 2, in its order, each matched to at most one
    shipped section of the same level: the closest pairs first, then, under an outline written for this kind of
    bureau, what is left to what shares any word with it (企业主体地位更加凸显 → 科技企业培育). A review heading
    left over is a section of its own."""
    shipped = [s for s in spec.sections if s.level in (1, 2)]
    kept = [s for s in past if s.level in (1, 2) and s.title and not (s.part == "plan" and s.level == 2)
            and not _is_point(s)]
    titles = [_MARKER.sub("", s.heading).rstrip("。.：: ") for s in kept]
    pairs = sorted(((_fit(t, c), n, c.id) for n, (t, s) in enumerate(zip(titles, kept)) for c in shipped
                    if c.level == s.level and (c.prompt == "plan") == (s.part == "plan")
                    and (c.topic != "指标" or "指标" in t)), reverse=True)  # 争取资金领跑南通 sets out no indicators
    chosen: dict[int, str] = {}
    named = {c.id: bigrams(c.heading) for c in shipped}
    for floor in (MATCH, 1e-9) if spec.bureau else (MATCH,):
        for score, n, sid in pairs:  # the loose pass: a word of the shipped heading itself (企业 of 科技企业培育)
            loose = floor < MATCH and not (_words(titles[n]) & named[sid])
            if score >= floor and not loose and n not in chosen and sid not in chosen.values():
                chosen[n] = sid
    out, own = [], 0
    for n, (title, s) in enumerate(zip(titles, kept)):
        heading = title.replace(str(past_year + 1), "{next_year}").replace(str(past_year), "{year}")
        evaluative = bool(re.search(r"[，,]", title) or _CLAIMED.search(title))
        run_in = s.heading.endswith("。") and bool(s.body.strip())
        body = _body(s, past)
        points = min(_points(s, past) or len(_POINT.findall(body)), 6)  # as the past one had them
        items = _items(s, past)
        if n in chosen:
            out.append(Proposal(chosen[n], title, heading, s.level, evaluative, run_in=run_in, points=points,
                                body=body, items=items))
        elif s.part == "review":
            own += 1
            subs = s.level == 1 and n + 1 < len(kept) and kept[n + 1].level == 2
            out.append(Proposal(f"own{own}", title, heading, s.level, evaluative, own=True,
                                kind="heading" if subs else "body", length=min(max(len(body), 200), 900),
                                points=points, source=s.heading, run_in=run_in, body=body, items=items))
    return out


_POINT = re.compile(r"(?:^|\n)\s*(?:[一二三四五六七八九十]+是|\d{1,2}[.．、](?!\d)|[（(]\d{1,2}[）)])")


def _body(section: Section, past: list[Section]) -> str:
    """A past section's text with its sub-sections' (a level-1 section without sub-sections: all of it)."""
    idx = past.index(section)
    text = [section.body]
    for s in past[idx + 1:]:
        if s.level <= section.level:
            break
        text.append(s.body)
    return "\n".join(t for t in text if t)


def _points(section: Section, past: list[Section]) -> int:
    """The items of a past （一） section written as sub-headings (1.加强组织领导。 一是…)."""
    out = 0
    for s in past[past.index(section) + 1:]:
        if s.level <= section.level:
            break
        out += s.level == 3
    return out


_NUMBERED = re.compile(r"^\s*(?:\d{1,2}[.．、]|[（(]\d{1,2}[）)])\s*")


def _items(section: Section, past: list[Section]) -> tuple[str, ...]:
    """The numbered sub-headings of a past （一） section (1.加强组织领导。), markers and stops removed; () when it
    has fewer than two."""
    out = []
    for s in past[past.index(section) + 1:]:
        if s.level <= section.level:
            break
        if s.level == 3 and _NUMBERED.match(s.heading):
            out.append(_NUMBERED.sub("", s.heading).rstrip("。.：: "))
    return tuple(out) if len(out) >= 2 else ()


def _is_point(s: Section) -> bool:
    """一是创新主体总量偏小。: a point of 存在的问题 parsed as a sub-heading, not a section of the outline."""
    return bool(re.match(r"[一二三四五六七八九十]+是", s.heading))


def _words(title: str) -> set[str]:
    return bigrams(re.sub(r"\d{4}年", "", title)) - _COMMON


def _fit(title: str, section: SectionSpec) -> float:
    words = _words(title)
    known = bigrams(" ".join([section.heading, section.query, *section.indicators]))
    return len(words & known) / len(words) if words else 0.0


def plan_items(past: list[Section]) -> list[str]:
    """The titled items of the past summary's 工作打算 (（一）推动创新主体量质齐升 …), markers removed."""
    return [_MARKER.sub("", s.heading).rstrip("。.：: ") for s in past
            if s.part == "plan" and s.level == 2 and s.title and not _is_point(s)]


def plan_items_apart(past: list[Section]) -> bool:
    """The past plan's titled items are headings of their own (（一）推动创新主体量质齐升, its text below), not run into
    their text (（一）加强统筹协调。认真做好…)."""
    items = [s for s in past if s.part == "plan" and s.level == 2 and s.title and not _is_point(s)]
    return bool(items) and not any(s.heading.endswith("。") and s.body.strip() for s in items)


def plan_length(past: list[Section]) -> int:
    """The characters of the past summary's 工作打算, its signature lines left out."""
    text = "".join(s.body for s in past if s.part == "plan")
    return len(re.sub(r"\s|[\u4e00-\u9fff]{2,20}(?:局|委员会|办公室|中心)\s*\d{4}年\d{1,2}月\d{1,2}日\s*$", "", text.strip()))


def overlay(spec: OutlineSpec, proposals: list[Proposal], source: str, items: list[str] = (),
            rows: dict[str, list[str]] | None = None, past_opening: str = "", title: str = "", name: str = "",
            plan_chars: int = 0, items_apart: bool = False) -> dict:
    """An outline file's data: the shipped outline as `base`, the matched sections' headings replaced, the
    sections of the bureau's own added (`rows`: the indicators it reported under each past heading, which become
    this year's facts rows), and the plan written as titled items in the pattern of the past plan's."""
    sections: dict = {}
    for p in proposals:
        sections[p.section] = {"heading": p.heading} if not p.own else own_section(p, (rows or {}).get(p.source, []))
        kind = p.kind if p.own else next(s.kind for s in spec.sections if s.id == p.section)
        if not p.own and kind == "body":  # the past one's points (its 一是创新主体…), or one paragraph as it was
            sections[p.section]["points"] = p.points if p.points >= 2 else 0
        if p.run_in:
            sections[p.section]["run_in"] = True
        if p.items and kind == "body":  # its 1.加强组织领导。… items, in the pattern of the past ones
            sections[p.section]["items"] = list(p.items)
        if p.evaluative and kind == "body":  # written from the year's content once the section is
            sections[p.section]["retitle"] = True
    for sid, names in placed(spec, proposals, sections).items():
        base = next((list(s.indicators) for s in spec.sections if s.id == sid), [])
        sections[sid]["indicators"] = list(dict.fromkeys(sections[sid].get("indicators", base) + names))
    lead = next((s.id for s in spec.sections if s.prompt == "lead"), None)
    if lead and past_opening:  # as long as the bureau's, ended as the bureau ends it
        sections[lead] = {"length": min(max(len(past_opening), 120), 400)}
        closing = "最后以“现将有关情况总结如下：”收尾。" if _REPORTS.search(past_opening) else \
            "照本局往年开头的方式收尾（往年开头没有“现将……总结如下”一类的话，这里也不加）。"
        if not re.search(r"\d", re.sub(r"\d{4}年", "", past_opening)):  # one that frames the year: two figures at most
            sections[lead] |= {"headline": 2, "guidance": "一段话：开头写明年份（不用“今年以来”），先写开头提法，再用一两句概括全年工作"
                                                          "的主线和主要成效（从已写好的各部分归纳），点出下面列出的主要数字。"
                                                          + closing + "不展开具体做法。"}
        elif not _REPORTS.search(past_opening):
            guidance = next(s.guidance for s in spec.sections if s.id == lead)
            sections[lead]["guidance"] = re.sub(r"最后以“现将有关情况总结如下：”收尾。", closing, guidance)
    plan = next((s.id for s in spec.sections if s.prompt == "plan"), None)
    if plan and len(items) >= 2:
        sections.setdefault(plan, {}).update(items=list(items), points=min(len(items), 9))
    if plan and plan_chars:  # as long as the bureau's last plan
        sections.setdefault(plan, {})["length"] = min(max(plan_chars, 300), 1200)
    if plan and len(items) >= 2 and items_apart:  # exported with each item's title on a line of its own
        sections[plan]["items_apart"] = True
    return {"base": spec.name, "name": f"{spec.name}_house", "label": f"本局往年提纲（{source}）", **({"title": title} if title else {}),
            **({"self_name": name} if name else {}), "sections": sections}


_REPORTS = re.compile(r"现将[^。]{0,16}(?:总结|汇报|报告)如下")


def self_name(past: list[Section], org: str) -> str:
    """How the bureau names itself in its past summary when it does so twice or more: 我局, 本局, or a short name of
    its own (县科技局 of 示例县科学技术局; not 县税务局, another bureau); "" when it never does."""
    level = re.search(r"(?<=[^省])([县市区旗])(?=[^县市区旗]+局$)", org)
    place, core = (org[:level.start()], org[level.end():-1]) if level else ("", "")
    said = Counter(m.group(0) for s in past for m in re.finditer(r"我局|本局|[县市区旗][\u4e00-\u9fff]{1,6}?局", s.body)
                   if m.group(0) in ("我局", "本局") or level and m.group(0)[0] == level.group(1)
                   and _abbreviates(m.group(0)[1:-1], core) and not s.body[:m.start()].endswith(place))
    name, times = max(said.items(), key=lambda x: x[1], default=("", 0))
    return name if times >= 2 else ""


def _abbreviates(short: str, full: str) -> bool:
    """科技 of 科学技术: each character of the short name in the full one, in order."""
    rest = iter(full)
    return bool(short) and all(ch in rest for ch in short)


def past_title(past: list[Section], past_year: int, org: str) -> str:
    """The title of the bureau's summary as it wrote it (2019年科技工作总结和2020年工作打算), years and the bureau's
    name as fields; "" when its first line is no title."""
    first = next((s.body.strip().split("\n")[0] for s in past if s.level == 0 and s.body.strip()), "")
    if not (str(past_year) in first and "总结" in first and len(first) <= 60) or re.search(r"[{}。，]", first):
        return ""
    said = first.replace(str(past_year + 1), "{next_year}").replace(str(past_year), "{year}")
    return said.replace(org, "{org}") if org else said


def placed(spec: OutlineSpec, proposals: list[Proposal], sections: dict) -> dict[str, list[str]]:
    """The indicators of the shipped sections the bureau's outline lacks (科技贷款 of 科技金融与知识产权), each put
    under the section whose past text speaks of its topic most (the words of data/topics.yaml: 苏科贷, 贷款 → 不断
    优化创新创业环境), so its figures are stated where the bureau writes of that work; none where none speaks of it
    or of the indicator's own words (发明专利 shares a topic with 苏科贷, but a bureau that never wrote of patents
    gets it where the facts table puts what fits nowhere)."""
    taken = {p.section for p in proposals}
    bodies = [p for p in proposals if (p.kind if p.own else _kind(spec, p.section)) == "body"
              and _kind(spec, p.section) != "synthesis"]
    held = {n for sid, d in sections.items() for n in d.get("indicators", ())}
    held |= {n for s in spec.sections if s.id in taken and "indicators" not in sections.get(s.id, {}) for n in s.indicators}
    out: dict[str, list[str]] = {}
    for s in spec.sections:
        if s.id in taken:
            continue
        for name in s.indicators:
            if name in held:
                continue
            topic = next((t.keywords for t in topics() if t.id == keyword_topic(f"{s.heading}{name}", s.query)[0]), ())
            known = catalog_entry(name)
            names = [re.compile(re.escape(name)), *(known.aliases if known else ())]
            score = {p.section: sum(3 * p.past.count(w) + p.body.count(w) for w in topic)
                     + sum(len(n.findall(p.body)) for n in names) for p in bodies}  # its topic's words, its names
            own = [w for w in topic if len(set(w) & set(name)) >= 2]  # 科技贷款: 苏科贷, 贷款; 发明专利: 专利, not 金融
            best = max(bodies, key=lambda p: score[p.section], default=None)
            if best and score[best.section] > 0 and (any(w in p.past + p.body for p in bodies for w in own) or any(
                    n.search(p.body) for p in bodies for n in names)):  # not where the bureau never wrote of it
                out.setdefault(best.section, []).append(name)
    return out


def _kind(spec: OutlineSpec, sid: str) -> str:
    return next((s.kind for s in spec.sections if s.id == sid), "body")


def own_section(p: Proposal, indicators: list[str]) -> dict:
    """The outline fields of a section of the bureau's own: found and written by what its heading speaks of."""
    if p.kind == "heading":
        return {"heading": p.heading, "level": p.level, "kind": "heading"}
    label = re.split(r"[，,]", p.past)[-1 if p.evaluative else 0]
    topic = re.sub(r"\d{4}年", "", label)
    return {"heading": p.heading, "level": p.level, "kind": "body", "query": re.sub(r"\d{4}年|[，,、]", " ", p.past),
            "indicators": list(indicators[:8]),
            "guidance": f"按本局往年这一部分的写法，写本年“{topic}”方面的做法和成效；数字只用事实表和笔记中的。",
            "length": p.length, "points": p.points, "note_keys": list(dict.fromkeys([p.past, topic]))}


def order(spec: OutlineSpec, proposals: list[Proposal], opening: bool = True) -> tuple[list[str], dict[str, bool]]:
    """The sections in the past outline's order, the opening first, and which are on: the opening when the bureau
    writes one, and the shipped sections the past outline has; the others follow, off, for the writer to switch on."""
    matched = [p.section for p in proposals]
    ids = [s.id for s in spec.sections if s.level == 0] + matched
    ids += [s.id for s in spec.sections if s.id not in ids]
    return ids, {**{s.id: s.id in matched or (s.level == 0 and opening) for s in spec.sections},
                 **{sid: True for sid in matched}}


def opening(past: list[Section]) -> str:
    """The summary's opening paragraph: before its first section (or under 一、 before its first sub-heading); "" for
    a bureau whose summary goes from the title straight to 一、."""
    preamble = [s.body for s in past if s.level == 0]
    lines = [line for body in preamble for line in body.split("\n")[1:] if line.strip()]  # the title line aside
    first = next((s for s in past if s.level == 1), None)
    for text in ("\n".join(lines), first.body.strip() if first else ""):
        if len(text) >= 30:
            return text
    return ""


_FULL_WIDTH = str.maketrans({",": "，", ";": "；", ":": "：", "(": "（", ")": "）"})
_FRAMING = re.compile(r"指导|指引|引领|领导|围绕|贯彻|落实|坚持|紧扣|聚焦|锚定|统领|为主线|为抓手|为主题|为核心|为宗旨")
_CLAUSE = re.compile(r"(?:[^，,“”]|“[^”]*”)+")  # clauses; a comma inside quotes (“枢纽海安，物流天下”) does not end one
_RESULT = re.compile(r"取得|成效|新进展|新台阶|新突破|新提高|晋位|态势|如下")
_SUBJECT = re.compile(r"^[\u4e00-\u9fff]{0,10}(?:局|委|办|部门|系统)(?=在|以|坚持|认真|紧紧|围绕|聚焦|深入|全面)")
_STANDING = re.compile(r"^在[\u4e00-\u9fff、]{2,16}(?:的坚强|的正确)?领导下$")


def standing(formula: str, put: tuple[str, ...] = ()) -> tuple[str, str]:
    """(the clauses of a framing line any year may keep: under whose leadership, the Party's line as the stock
    formulae write it, this year's campaign; the clauses of the bureau's own line of that year, joined)."""
    kept, own = [], []
    for clause in _CLAUSE.findall(formula):
        plain = clause.replace("，", ",")
        general = clause in put or _STANDING.match(clause) or any(p.search(plain) for p in stock_phrases())
        (kept if general else own).append(clause)
    return "，".join(kept), "，".join(own)


def frames(line: str) -> bool:
    """A line that frames the year's work (在县委、县政府领导下…, 以…为指引), as an opening's first sentence does."""
    return bool(_FRAMING.search(line))


@cache
def _campaigns() -> list[dict]:
    return yaml.safe_load(resources.files("drafter").joinpath("data/campaigns.yaml").read_text("utf-8"))


def undated(formula: str, year: int, campaign: bool = True) -> tuple[str, list[str], tuple[str, ...]]:
    """The framing line without the clauses bound to another year (深入开展主题教育 was 2023's campaign; 紧扣全县“产业
    提质、创新赋能”年度主题 that year's theme), those clauses, and what was put in: this year's campaign in the first
    one's place, the Party's line as this year writes it (认真贯彻党的二十大和二十届二中、三中全会精神 in 2024, for
    2023's 认真贯彻党的二十大精神). A year's campaign or theme is never carried into another year's opening; with
    `campaign` off, none is put in its place either (a plan's line: next year's campaign is the writer's to name)."""
    campaigns = _campaigns()
    current = next((c["line"] for c in campaigns if year in c.get("years", ()) and c.get("line")), "")
    kept, dropped, put = [], [], []
    for clause in _CLAUSE.findall(formula):
        for c in campaigns:  # the Party's line as this year writes it (党的二十大和二十届二中、三中全会精神 in 2024)
            said, line = re.search(c["pattern"], clause), c.get("lines", {}).get(year)
            if said and line and said.group(0) != line:
                dropped.append(clause)
                clause = clause.replace(said.group(0), line)
                put.append(clause)
        stale = [c for c in campaigns if "years" in c and re.search(c["pattern"], clause) and year not in c["years"]]
        if not stale:
            kept.append(clause)
            continue
        dropped.append(clause)
        if campaign and current and current not in put and any(c.get("line") for c in stale):  # this year's campaign
            kept.append(current)
            put.append(current)
    return "，".join(kept), dropped, tuple(put)


def opening_formula(past: list[Section]) -> str:
    """The framing line of the bureau's last opening (在县委、县政府领导下，认真贯彻…，紧扣…): its first framing
    sentence from the first framing clause to the last, without the year, the bureau's name or the year's results;
    "" when the opening has none. Its standing part becomes the opening's note (`standing`), for the writer to
    confirm or update for this year."""
    lines = [line for s in past if s.level == 0 for line in s.body.split("\n")]
    first = next((s for s in past if s.level == 1), None)  # 一、2020年工作总结 first, the opening under it
    lines += first.body.strip().split("\n")[:1] if first else []
    for line in lines:
        for sentence in re.split(r"[。！]", line.strip()):
            sentence = re.sub(r"^(?:\d{4}年(?:以来|来)?|一年来|今年以来)[，,]\s*", "", sentence)
            clauses = _CLAUSE.findall(sentence)
            framing = [n for n, c in enumerate(clauses) if _FRAMING.search(c) and not _RESULT.search(c)]
            if framing and "之年" not in sentence:
                line = "，".join(clauses[framing[0]:framing[-1] + 1]).translate(_FULL_WIDTH)
                return _SUBJECT.sub("", line).strip()
    return ""
