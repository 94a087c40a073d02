"""The folder tree is the layer diagram: an import (at the top of a module or inside a function) never climbs
a layer, and the faces reach the engine only through the session layer."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "drafter"
# top to bottom; a module may import its own layer and any layer below it
LAYERS = [
    ("faces", ("cli", "ui")),
    ("session", ("session",)),
    ("drafting", ("drafting",)),
    ("ingest", ("ingest",)),
    ("numbers", ("numbers",)),
    ("stores", ("stores",)),
    ("seams", ("llm", "embeddings")),
    ("ground", ("config", "models", "errors", "filenames", "archives", "yamltext", "outline_spec", "data")),
]
RANK = {part: rank for rank, (_, parts) in enumerate(LAYERS) for part in parts}


def layer(module: str) -> int | None:
    """The layer of `drafter.x.y` (None for the package itself and __main__)."""
    parts = module.split(".")
    return RANK.get(parts[1]) if len(parts) > 1 and parts[0] == "drafter" else None


def imports(source: str, module: str) -> list[tuple[int, str]]:
    """(line, imported module) for every drafter import in a module's source, nested ones included."""
    package = module.rsplit(".", 1)[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else []))
            if base == "drafter":
                found += [(node.lineno, f"drafter.{a.name}") for a in node.names]
            elif base.startswith("drafter."):
                found.append((node.lineno, base))
        elif isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names if a.name.startswith("drafter.")]
    return found


def climbs(source: str, module: str) -> list[str]:
    """Imports of `module` that reach a higher layer, or a face reaching past the session layer."""
    own = layer(module)
    out = []
    for line, target in imports(source, module):
        theirs = layer(target)
        if own is None or theirs is None:
            continue
        if theirs < own:
            out.append(f"{module}:{line} imports {target} ({LAYERS[own][0]} → {LAYERS[theirs][0]})")
        elif own == RANK["cli"] and theirs > RANK["session"] and theirs < RANK["config"] and target.split(".")[1] != "errors":
            out.append(f"{module}:{line} imports {target} (a face calls the session layer only)")
    return out


def modules():
    for path in sorted(PACKAGE.rglob("*.py")):
        name = ".".join(("drafter", *path.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(".__init__")
        yield name, path.read_text("utf-8")


def test_every_module_belongs_to_a_layer():
    unplaced = [name for name, _ in modules() if layer(name) is None and name not in ("drafter", "drafter.__main__")]
    assert not unplaced, f"modules outside the layer diagram (add them to LAYERS or move them): {unplaced}"


def test_no_import_climbs_a_layer():
    found = [c for name, source in modules() for c in climbs(source, name)]
    assert not found, "\n".join(found)


@pytest.mark.parametrize("module, source", [
    ("drafter.stores.ledger", "def f():\n    from drafter.session import Desk\n"),
    ("drafter.numbers.checks", "from drafter.drafting import context\n"),
    ("drafter.cli.common", "from drafter.stores.ledger import Ledger\n"),
    ("drafter.ui.app", "import drafter.ingest.document\n"),
])
def test_a_planted_climbing_import_is_caught(module, source):
    assert climbs(source, module)


def test_a_fact_change_through_the_ui_builds_no_vector_store_and_no_model_client(sampled, monkeypatch):
    """Patching numbers in place needs the facts and the checks only: Chroma and the model stay untouched."""
    from drafter import llm
    from drafter.session import Desk
    from drafter.stores import retrieve, vectors
    from drafter.ui.app import build_ui
    from drafter.ui.review import grid_rows

    settings = sampled.model_copy(update={"llm_base_url": "http://127.0.0.1:9/v1"})  # a model is configured
    draft = Desk(settings, offline_model=True).create("示例县科学技术局", 2024)
    draft.set_facts([{"indicator": "高新技术企业总数", "value": 300, "unit": "家", "prior": 270}])
    draft.edit("enterprises", "全县高新技术企业总数达到300家，比上年净增30家。")

    def refuse(*args, **kwargs):
        raise AssertionError("built for a fact change")

    for target, name in ((llm, "chat_model"), (retrieve.Retriever, "__init__"), (vectors.VectorStore, "__init__")):
        monkeypatch.setattr(target, name, refuse)
    demo = build_ui(settings)
    change = next(f.fn for f in demo.fns.values() if f.api_name == "change_facts")
    cells = grid_rows(Desk(settings, offline_model=True).open(draft.id))
    next(row for row in cells if row[0] == "高新技术企业总数")[3] = "310"
    change(draft.id, cells, draft.facts_rev())
    assert "310家" in draft.history("enterprises")[-1].text and "净增40家" in draft.history("enterprises")[-1].text
