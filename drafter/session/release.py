"""What leaves the workbench with a draft: the items still open before it is exported (the export gate), last
year's plan as this year's checklist, 发文机关署名 and 成文日期, the document and its files."""

from collections.abc import Callable
from pathlib import Path

from drafter.filenames import inside
from drafter.models import ExportDocument, ExportSection, Finding
from drafter.numbers.checks import KIND_LABELS
from drafter.numbers.commitments import Commitment
from drafter.numbers.keeping import unused_notes
from drafter.session.inputs import last_plan
from drafter.session.records import OpenItem, chinese_date


class Release:
    """The part of a DraftSession that prepares the draft to leave: mixed into DraftSession, which provides
    settings, info, title, ws, table(), sections(), planned(), check_text() and fact_rows()."""

    _last_plan: list[Commitment] | None = None

    def open_items(self) -> list[OpenItem]:
        """Everything still open before the draft leaves the workbench, by section: sections not written or to
        redraft, findings of every kind (unverified numbers, pending markers, scaffolding …), offline hints."""
        from drafter.drafting.textops import HINT

        table, out = self.table(), []
        for s in self.sections():
            name = s.heading or "开头总述"
            if s.kind == "heading":
                continue
            if s.version is None:
                out.append(OpenItem(s.id, name, "unwritten", "尚未生成", ""))
                continue
            if s.stale:
                out.append(OpenItem(s.id, name, "stale", "需重新生成", s.stale))
            out += [OpenItem(s.id, name, f.kind, KIND_LABELS.get(f.kind, f.kind), f"{f.text}：{f.message}" if f.text
                             else f.message) for f in self.check_text(s.version.text, s.id, table)]
            out += [OpenItem(s.id, name, "hint", "参考表述", m.group(0)) for m in HINT.finditer(s.version.text)]
            out += [OpenItem(s.id, name, f.kind, KIND_LABELS[f.kind], f.message)
                    for f in unused_notes(s.version.text, table.notes.get(s.id, ()))]
        from drafter.numbers.checks import outline_findings
        from drafter.numbers.form import form_findings

        text = self.markdown()
        out += [OpenItem("", "全文", f.kind, KIND_LABELS.get(f.kind, f.kind), f"{f.text}：{f.message}" if f.text else f.message)
                for f in outline_findings(text, self.planned()) + form_findings(text)]
        out += [OpenItem("", "去年计划", f.kind, KIND_LABELS[f.kind], f.text) for f in self._unanswered(text)]
        out += [OpenItem("", "全文", f.kind, KIND_LABELS[f.kind], f.message) for f in self.whole()]
        return out

    def whole(self) -> list[Finding]:
        """The whole-document pass: a fact stated in several body sections, a section far over or under its length."""
        from drafter.numbers.whole import Written, document_findings

        return document_findings([Written(s.heading or "开头总述", s.kind == "body", s.version.text, s.version.spans,
                                          self.section(s.id).spec.length)
                                  for s in self.sections() if s.version and s.kind != "heading"])

    def last_plan(self) -> list[tuple[Commitment, bool]]:
        """去年计划 → 今年落实情况: each item of last year's 工作打算, and whether this draft answers it."""
        from drafter.numbers.commitments import answered

        text = self.markdown()
        return [(item, answered(item, text)) for item in self._plan_items()]

    def _plan_items(self) -> list[Commitment]:
        if self._last_plan is None:  # the corpus is read once per session, as for the past summaries
            self._last_plan = last_plan(self.settings, self.info.org, self.info.year)
        return self._last_plan

    def _unanswered(self, text: str) -> list[Finding]:
        """Items of last year's plan that `text` (the draft as Markdown) does not speak of."""
        from drafter.numbers.commitments import unanswered_findings

        return unanswered_findings(self._plan_items(), text, self.info.year - 1)

    def signing(self) -> tuple[str, str]:
        """发文机关署名 and 成文日期 of the export: as the writer set them, else the bureau and its period's last day."""
        saved = self.ws.signing(self.id)
        if saved:
            return saved
        return self.info.org, f"{self.info.year}年{'6月30日' if self.info.period == 'H1' else '12月31日'}"

    def set_signing(self, signature: str | None = None, when: str | None = None) -> tuple[str, str]:
        """Set the signature and/or the date (2025年1月10日, 2025-01-10 or 2025/1/10), kept with the draft."""
        current = self.signing()
        signature = (signature or "").strip() or current[0]
        when = chinese_date(when) if when and when.strip() else current[1]
        self.ws.set_signing(self.id, signature, when)
        return signature, when

    def document(self, final: bool = False) -> ExportDocument:
        """The draft with the writer's signature and date; `final` (the Word file that goes to the leader): without
        the （参考表述：…） hints and scaffolding the working copies keep for the writer."""
        from drafter.drafting.textops import for_export

        shown = for_export if final else (lambda text: text)
        run_in = {p.spec.id for p in self.planned() if p.spec.run_in}
        apart = {p.spec.id for p in self.planned() if p.spec.items_apart}
        parts = [ExportSection(s.heading, s.level, shown(s.version.text) if s.version else "", s.id in run_in,
                               s.id in apart) for s in self.sections()]
        signature, when = self.signing()
        return ExportDocument(self.title, tuple(parts), signature, when, tuple(self.fact_rows()))

    def markdown(self, escape: Callable[[str], str] | None = None) -> str:
        """The draft as Markdown; `escape` is applied to every text in it (a view that must not render them)."""
        from drafter.drafting.export import markdown

        return markdown(self.document(), escape=escape)

    def export(self, path: Path) -> Path:
        """Write the draft to the file the writer named."""
        from drafter.drafting.export import write

        return write(self.document(final=Path(path).suffix.lower() == ".docx"), Path(path), fonts=self.settings.export_fonts)

    def export_into(self, folder: Path, suffix: str) -> Path:
        """Write the draft into `folder` under a name made from its title: a bureau's name never becomes a path."""
        name = self.title if suffix in (".docx", ".md") else f"{self.title}-数据与来源"
        return self.export(inside(Path(folder), name + suffix))
