"""The house outline of a draft: proposed from the bureau's own most recent summary of the same period, adopted
by the writer after review, headings renamed. Kept as an outline file in the workspace (`outlines/draft-N.yaml`)
laid over the shipped outline it started from."""

import os
import re
from dataclasses import replace
from pathlib import Path

import yaml

from drafter import yamltext
from drafter.drafting import house
from drafter.drafting.outlines import load_outline
from drafter.session.inputs import past_outline, past_rows
from drafter.session.records import SessionError

_FULL_WIDTH = str.maketrans({",": "，", ";": "；", ":": "：", "(": "（", ")": "）", "!": "！", "?": "？"})


class HouseOutline:
    """The part of a DraftSession that shapes its outline after the bureau's own: mixed into DraftSession, which
    provides settings, info, spec, ws, set_outline() and _tables."""

    def proposed_outline(self, found: tuple[str, int, list] | None = None) -> tuple[str, list[house.Proposal]]:
        """The bureau's most recent summary of this period (its file name) and its outline matched to this one
        (`found`: that summary, when already read)."""
        name, year, sections = found or self._past_summary()
        proposals = [replace(p, past=p.past.translate(_FULL_WIDTH), heading=p.heading.translate(_FULL_WIDTH))
                     for p in house.propose(self._shipped(), sections, year)]
        return name, proposals

    def adopt_outline(self, headings: dict[str, str] | None = None) -> list[house.Proposal]:
        """Write the proposed outline as this draft's: the bureau's headings (or the writer's, by section id), its
        order, the shipped sections it has on and the others off (they can be switched on again)."""
        found = self._past_summary()
        source, proposals = self.proposed_outline(found)
        shipped, past = self._shipped(), found[2]
        opening = house.opening(past)
        items = [item.translate(_FULL_WIDTH) for item in house.plan_items(past)]
        rows = past_rows(self.settings, self.info.org, self.info.year, self.info.period)
        data = house.overlay(shipped, proposals, source, items, rows, opening,
                             house.past_title(past, found[1], self.info.org), house.self_name(past, self.info.org),
                             house.plan_length(past), house.plan_items_apart(past))
        for sid, heading in (headings or {}).items():
            if sid not in data["sections"]:
                self._known(sid, shipped)
            data["sections"].setdefault(sid, {}).update(heading=heading.strip(), retitle=False)
        self._write_outline(data)
        order, enabled = house.order(self.spec, proposals, bool(opening))
        self.set_outline(order, enabled)
        self._offer_formula(source, past)
        if name := data.get("self_name"):
            self.notices.append(f"本局往年总结（{source}）自称“{name}”，稿中照此称呼；要改，在提纲文件中改 self_name。")
        return proposals

    def _offer_formula(self, source: str, past: list) -> None:
        """The framing line of the bureau's last opening: its standing part (在县委、县政府领导下，认真贯彻党的二十大精神,
        this year's campaign) as the opening's note when it has none; the bureau's own line of that year (以“…”战略定位
        为指引，围绕…目标任务) only shown, for the writer to take into the note if it still holds (never carried over
        unconfirmed, never re-dated or rewritten by code)."""
        lead = next((p.spec.id for p in self.planned() if p.spec.prompt == "lead"), None)  # an opening the draft has
        formula, dropped, put = house.undated(house.opening_formula(past), self.info.year)
        standing, own = house.standing(formula, put)
        notes = list(self.notes().get(lead, ())) if lead else []
        if not lead or not formula or any(house.frames(note) for note in notes):  # the writer's own line stays
            return
        if standing:
            self.set_notes(lead, [standing, *notes])
        said = (f"开头总述的笔记已写入本局往年总结（{source}）开头的通用提法：{standing}" if standing else
                f"本局往年总结（{source}）的开头提法没有写入笔记")
        said += f"。往年自己的提法“{own}”如今年仍然沿用，请加进开头的笔记" if own else ""
        said += f"。其中只属于往年的“{'，'.join(dropped)}”已去掉" if dropped else ""
        said += f"，换成了今年的“{'，'.join(put)}”，请核实" if put else ""
        if self.info.period == "annual" and (plan := house.undated(standing, self.info.year + 1, campaign=False)[2]):
            said += f"。工作打算的总体提法按{self.info.year + 1}年写作“{'，'.join(plan)}”（drafter/data/campaigns.yaml），请核实"
        if self.info.period == "annual" and (line := [c for c in house.undated(standing, self.info.year + 1)[2]
                                                      if c not in house.undated(standing, self.info.year + 1, False)[2]]):
            said += f"；{self.info.year + 1}年的专项学习教育（如“{line[0]}”）确定后，写进工作打算的笔记"
        self.notices.append(said + "。")

    def rename_sections(self, headings: dict[str, str], by_writer: bool = True) -> None:
        """New headings for sections, by id; the rest stay as they are. A heading the writer gives is never
        rewritten by the model again (`retitle` off)."""
        shipped = self._shipped()
        data = self._overlay_data() or {"base": shipped.name, "name": f"{shipped.name}_house",
                                        "label": f"{shipped.label}（改过标题）", "sections": {}}
        for sid, heading in headings.items():
            self._known(sid, self.spec)
            if not heading.strip() or "\n" in heading or len(heading) > 40:
                raise SessionError(f"章节 {sid} 的标题应为一行、不超过 40 字。")
            section = data["sections"].setdefault(sid, {})
            if not by_writer and not section.get("past_heading"):  # the bureau's own line stays the pattern
                section["past_heading"] = self.section(sid).title
            section["heading"] = heading.strip()
            if by_writer and section.get("retitle"):
                section["retitle"] = False
        self._write_outline(data)

    def _past_summary(self) -> tuple[str, int, list]:
        found = past_outline(self.settings, self.info.org, self.info.year, self.info.period)
        if found is None:
            raise SessionError(f"语料库中没有{self.info.org}{self.info.year}年以前的同类总结，无法按本局往年提纲调整；"
                               "请先用 drafter ingest 导入本局往年的总结。")
        return found

    # ---- the outline file ----
    def _shipped(self):
        """The shipped outline this draft's outline starts from."""
        data = self._overlay_data()
        return load_outline(data["base"], self.settings.prompts_dir) if data else self.spec

    def _overlay_path(self) -> Path:
        return self.ws.path.parent / "outlines" / f"draft-{self.id}.yaml"

    def _overlay_data(self) -> dict | None:
        path = self._overlay_path()
        if self.info.outline != self._outline_name() or not path.exists():
            return None
        return yamltext.load(path.read_text("utf-8"))

    def _outline_name(self) -> str:
        return f"outlines/draft-{self.id}.yaml"

    def _write_outline(self, data: dict) -> None:
        path = self._overlay_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        spare = path.with_suffix(".part")
        spare.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
        os.replace(spare, path)
        spec = load_outline(path, self.settings.prompts_dir)  # refused here, with the reason, if it does not hold
        self.ws.set_outline(self.id, self._outline_name())
        self.info, self.spec = self.ws.draft(self.id), spec
        self._tables.clear()

    @staticmethod
    def _known(sid: str, shipped) -> None:
        if not any(s.id == sid and s.level > 0 for s in shipped.sections):
            ids = "、".join(s.id for s in shipped.sections if s.level > 0)
            raise SessionError(f"提纲中没有带标题的章节 {sid}；可用：{ids}。")


def outline_file(workspace: Path, outline: str) -> str | Path:
    """Where a draft's outline is read from: a shipped outline by name, or the workspace's outline file."""
    return workspace / outline if re.fullmatch(r"outlines/draft-\d+\.yaml", outline) else outline
