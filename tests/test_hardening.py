"""Hostile cases that once got through: writes outside the workspace, half answers saved, fact changes
lost, files that freeze everyone, things fetched from outside the machine."""

from pathlib import Path

import docx
import pytest
from typer.testing import CliRunner

from conftest import FACTS
from drafter import cli, export
from drafter.session import Desk, SessionError

ORG = "示例县科学技术局"


def run(*args, env: dict):
    """The CLI in process, with its exit code and both streams."""
    return CliRunner().invoke(cli.app, [*args], env=env, catch_exceptions=False)


def files_under(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*") if p.is_file()} if folder.exists() else set()


# ---- 1. a bureau's name never becomes a path --------------------------------------------------------

@pytest.mark.parametrize("org", ["/tmp/elsewhere/示例县科学技术局", "../../../../elsewhere/示例县科学技术局",
                                 "示例县\\..\\科学技术局", "示例县\x00科学技术局"])
def test_a_bureau_name_holding_a_path_is_refused_when_a_draft_is_made(sampled, org):
    with pytest.raises(SessionError, match="单位名称"):
        Desk(sampled, offline_model=True).create(org, 2024)


def test_exports_named_from_a_stored_title_stay_in_their_folder(sampled, tmp_path):
    desk = Desk(sampled, offline_model=True)
    # a draft stored before names were checked: its org reads as a path
    info = desk.workspace.create("旧稿", "../../outside/示例县科学技术局", 2024, "annual", "kjj_annual")
    session = desk.open(info.id)
    folder = tmp_path / "exports" / "one"
    written = [session.export_into(folder, suffix) for suffix in (".docx", ".md", ".csv", ".xlsx")]
    assert all(p.parent == folder for p in written), written
    assert files_under(tmp_path / "outside") == set() and not (tmp_path / "exports" / "outside").exists()


def test_cli_draft_with_a_path_as_org_writes_nothing_outside(sampled, tmp_path):
    facts = tmp_path / "facts.yaml"
    facts.write_text(FACTS.read_text("utf-8").replace(f"org: {ORG}", "org: ../../../../outside/示例县科学技术局"), "utf-8")
    assert "outside" in facts.read_text("utf-8")
    env = {"DRAFTER_INDEX_DIR": str(sampled.index_dir), "DRAFTER_EMBEDDING": "hash",
           "DRAFTER_WORKSPACE": str(tmp_path / "a" / "b" / "c" / "ws")}
    with pytest.raises(SessionError, match="单位名称"):
        run("draft", "--facts", str(facts), env=env)
    assert files_under(tmp_path / "outside") == set() and not (tmp_path / "a" / "outside").exists()


# ---- 12. an export is written whole or not at all ---------------------------------------------------

def test_an_export_that_dies_midway_leaves_the_previous_file_whole(sampled, tmp_path, monkeypatch):
    session = Desk(sampled, offline_model=True).quick(facts=FACTS)
    session.generate()
    good = session.export(tmp_path / "out" / "总结.docx")
    before = good.read_bytes()

    def dies(doc, path, profile):
        Path(path).write_bytes(b"PK\x03\x04 half a file")
        raise KeyboardInterrupt  # as a kill would cut it

    monkeypatch.setattr(export, "_docx", dies)
    with pytest.raises(KeyboardInterrupt):
        session.export(good)
    assert good.read_bytes() == before and docx.Document(good).paragraphs
    assert [p.name for p in good.parent.iterdir()] == ["总结.docx"]
