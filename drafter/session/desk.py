"""The drafts of one workspace: creating, finding and opening them, with the model client and the retriever
that all of them share, each made on first use."""

import re
import threading
from pathlib import Path

from drafter.config import Settings
from drafter.drafting.outlines import default_outline, load_outline
from drafter.errors import DrafterError
from drafter.models import DraftInfo
from drafter.numbers.facts import FactsInput, normalise_period, read_facts
from drafter.session.drafts import DraftSession, SessionError
from drafter.session.inputs import past_outline, resolve_org
from drafter.stores.workspace import Workspace


class Desk:
    """The drafts of one workspace, with the model client and retriever shared by all of them."""

    def __init__(self, settings: Settings, *, model=None, retriever=None, offline_model: bool = False):
        self.settings = settings
        self.workspace = Workspace(settings.workspace)
        self._model, self._retriever = model, retriever
        self._model_ready = model is not None or offline_model
        self._retriever_ready = retriever is not None
        self._lock = threading.Lock()
        self.warnings: list[str] = []  # what creating or finding drafts said (a bureau's name read another way)
        self.retrieval_warning: str | None = None  # why drafting has no past phrasing to offer, once known

    # ---- shared resources, made on first use ----
    @property
    def model(self):
        with self._lock:
            if not self._model_ready:
                from drafter.llm import chat_model

                self._model, self._model_ready = chat_model(self.settings), True
            return self._model

    @property
    def retriever(self):
        with self._lock:
            if not self._retriever_ready:
                from drafter.stores.retrieve import Retriever

                try:
                    self._retriever = Retriever(self.settings)
                except DrafterError as e:
                    self.retrieval_warning = f"没有可参考的往年表述：{e}"
                self._retriever_ready = True
            return self._retriever

    def backend(self) -> str:
        from drafter.llm import describe

        return describe(self.settings)

    # ---- drafts ----
    def create(self, org: str, year: int, period: str | None = "annual", outline: str | None = None,
               name: str | None = None) -> "DraftSession":
        period = normalise_period(period) or "annual"
        org = plain_org(org)
        if not org or not year:
            raise SessionError("请写明单位和年度，例如 --org 示例县科学技术局 --year 2024。")
        org, message = resolve_org(self.settings, org)
        if message:
            self.warnings.append(message)
        spec = load_outline(outline or default_outline(org, period, self.settings.prompts_dir), self.settings.prompts_dir)
        info = self.workspace.create(name or f"{org}{year}年{'上半年' if period == 'H1' else ''}", org, int(year),
                                     period, str(outline or spec.name))
        session = DraftSession(self, info, notices=[message] if message else [])
        if outline is None and not spec.bureau and past_outline(self.settings, org, int(year), period):
            # no shipped outline is written for this kind of bureau: its own last summary's outline is the start
            source, _ = session.proposed_outline()
            session.adopt_outline()
            session.notices.insert(0, f"提纲按本局往年总结（{source}）建立，生成前请在提纲中审阅：改标题、开关或调整章节。")
        return session

    def drafts(self) -> list[DraftInfo]:
        return self.workspace.drafts()

    def open(self, draft_id: int) -> "DraftSession":
        return DraftSession(self, self.workspace.draft(int(draft_id)))

    def find_or_create(self, org: str, year: int, period: str | None, outline: str | None, name: str = "默认"
                       ) -> "DraftSession":
        period = normalise_period(period) or "annual"
        org, message = resolve_org(self.settings, plain_org(org))
        if message and message not in self.warnings:
            self.warnings.append(message)
        # with no outline named, the draft of that name whatever its outline (one the writer adopted, too)
        found = self.workspace.drafts(org=org, year=year, period=period, name=name,
                                      **({"outline": str(outline)} if outline else {}))
        if found:
            return DraftSession(self, found[0], notices=[message] if message else [])
        return self.create(org, year, period, outline, name)

    def quick(self, *, org: str | None = None, year: int | None = None, period: str | None = None,
              facts: Path | None = None, notes: Path | None = None, outline: str | None = None,
              skip: tuple[str, ...] = ()) -> "DraftSession":
        """The one-shot path (`drafter draft`, `prompts show`): the bureau's default draft with these files."""
        given = read_facts(facts) if facts else FactsInput()
        org, year = org or given.org, year or given.year
        if not org or not year:
            raise SessionError("请写明单位和年度：--org 示例县科学技术局 --year 2024，或在数据文件开头写 org: 和 year:。")
        session = self.find_or_create(org, int(year), period or given.period, outline)
        if skip:  # without --skip the outline stays as the writer set it (an adopted one has sections off)
            session.set_skipped(skip)
        if facts:
            session.import_facts(facts, given)
        if notes:
            session.import_notes(notes)
        return session

    def outlines(self) -> list[tuple[str, str]]:
        """(name, label) of every outline in the prompts folder, for a new draft."""
        from drafter.drafting.outlines import available

        return [(n, load_outline(n, self.settings.prompts_dir).label) for n in available(self.settings.prompts_dir)]

    def orgs(self) -> list[str]:
        """Bureaus the fact ledger knows, for a new draft."""
        from drafter.stores.ledger import Ledger

        if not self.settings.catalog_path.exists():
            return []
        with Ledger(self.settings.catalog_path) as ledger:
            return sorted({d["org"] for d in ledger.documents() if d["org"]})


def plain_org(org: str | None) -> str:
    """A bureau's name as typed, refused when it holds what no name holds (a folder, a control character)."""
    org = (org or "").strip()
    if re.search(r'[\\/\x00-\x1f\x7f<>"|?*]', org) or len(org) > 80:
        raise SessionError(f"单位名称“{org[:40]}”含有斜杠、控制字符等名称中不会有的字符（或过长）。"
                           f"请写单位全称，如 示例县科学技术局。")
    return org
