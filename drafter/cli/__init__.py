"""Command line: thin wrappers around the session and corpus API; user errors print without a traceback."""

import sys

from drafter.cli import corpus, drafts  # noqa: F401 — each registers its commands on `app`
from drafter.cli.common import app, err
from drafter.errors import DrafterError

HELP = {  # what `drafter --help` shows a writer; the docstrings stay for readers of the code
    "ingest": "把往年总结收入语料库：解析结构、提取数字（事实台账），建立检索索引。",
    "inspect": "查看文件的解析结果（单位、年度、标题、数字），不改动语料库。",
    "search": "检索往年表述：按查询词列出最接近的往年段落。",
    "figures": "查看事实台账：往年总结中的数字及其原句。",
    "draft": "一步完成：按数据文件和笔记起草全部章节并导出。",
    "check": "核对任一稿件：数字来源、照抄、占位符、提纲；发现问题时退出码为 1。",
    "ui": "在浏览器中打开起草工作台。",
    "new": "新建稿件，输出稿件编号。",
    "drafts": "列出工作区中的稿件。",
    "notes": "查看或填写某一章节的笔记。",
    "outline": "审阅提纲：开关章节、调整顺序。",
    "generate": "生成稿件的章节（全部、指定章节或需要更新的章节），每写完一节即保存。",
    "edit": "把你修改后的正文保存为新版本，并立即核对。",
    "refine": "按指令或快捷操作（扩写、缩写、润色、更正式、补充数据）让模型改写一节。",
    "tidy": "不需要模型的整理：套用最新数据、重新编号、删除参考表述。",
    "history": "查看一节的历史版本。",
    "diff": "比较一节的两个版本。",
    "restore": "恢复某一历史版本（作为新版本，不删除任何版本）。",
    "export": "导出稿件：.docx（GB/T 9704 格式）、.md，或数据与来源表 .csv / .xlsx。",
    "prompts show": "显示某一章节发给模型的完整提示词。",
    "facts set": "修改数据（指标=数值），正文中的数字就地更新。",
    "facts import": "从 .yaml / .csv / .xlsx 导入数据（YAML 中的笔记一并导入）。",
    "facts show": "查看数据表：本年值、上年值及其来源、推算值。",
    "users add": "添加工作台的登录用户（或修改其密码）。",
    "plan": "去年计划 → 今年落实情况：列出去年工作打算的每一项，以及稿中是否写到。",
}
for _prefix, _typer in (("", app), ("prompts ", corpus.prompts_app), ("users ", corpus.users_app), ("facts ", drafts.facts_app)):
    for _command in _typer.registered_commands:
        _name = _command.name or _command.callback.__name__.removeprefix("facts_").removeprefix("prompts_").removeprefix("users_")
        _command.help = HELP.get(_prefix + _name, _command.help)


def main() -> None:
    """Entry point: run the app, printing DrafterErrors as one line without a traceback."""
    try:
        app()
    except DrafterError as e:
        err.print(f"[red]错误：[/red]{e}")
        sys.exit(2)
