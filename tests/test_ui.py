"""The browser UI, driven by Playwright through Debian's chromium against the app launched in this process:
each test asserts on what the page shows. One offline app and one app drafting against the loopback chat
server are shared by the module; every test works on drafts of its own."""

import hashlib
import os
import re

import pytest
from docx import Document
from playwright.sync_api import expect

from chat_server import ChatServer, Status, Text, by_prompt
from conftest import FACTS, ROOT
from drafter.config import Settings
from drafter.errors import ConfigError
from drafter.session import Desk, shelf
from ui_helpers import CHROMIUM, CHROMIUM_ARGS, Visit, Watched, cell, choose, copy_index, edit_cell, served, shot, tab, toast, type_into

browser_test = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium is not installed at /usr/bin/chromium "
                                  "(apt-get install chromium fonts-noto-cjk); the browser tests need it")

ORG, YEAR = "示例县科学技术局", 2024
ENTERPRISES = ("全年新认定高新技术企业16家，全县高新技术企业总数达到98家，比上年增加13家，完成年度目标的103.2%。"
               "一是完善梯队培育。印发高企培育三年行动方案，分三批开展申报辅导。二是做优申报服务。组织高企申报培训，覆盖重点企业。")
PLAIN = "一是抓好重点工作落实。围绕年度任务逐项推进。二是强化服务保障。"
SHORTER = "请压缩成一段话"
IMAGE_ASK = "请配一张图"
REFINED = "全县高新技术企业总数达到98家，完成年度目标的103.2%。一是完善梯队培育。二是做优申报服务。"


# ---- the app, the chat server and the browser, once per module ----

@pytest.fixture(scope="module", autouse=True)
def no_drafter_environment_here():
    """Module fixtures build Settings too: no DRAFTER_* variable of the developer's shell may reach them."""
    with pytest.MonkeyPatch.context() as mp:
        for name in [n for n in os.environ if n.startswith("DRAFTER_")]:
            mp.delenv(name)
        yield


@pytest.fixture(scope="module")
def offline(sample_index, tmp_path_factory) -> Settings:
    root = tmp_path_factory.mktemp("ui")
    return Settings(corpus_dir=root / "corpus", index_dir=copy_index(sample_index.index_dir, root / "index"),
                    workspace=root / "ws", embedding="hash", llm_backend="offline")


@pytest.fixture(scope="module")
def watched():
    """A web server standing in for one outside the machine: nothing the app shows may fetch from it."""
    server = Watched()
    yield server
    server.close()


@pytest.fixture(scope="module")
def server(watched):
    rules = {SHORTER: Text(REFINED), "请写“（二）科技企业培育”这一部分的正文": Text(ENTERPRISES),
             "请写“（六）科技金融与知识产权”这一部分的正文": Status(500, "模型过载"),
             IMAGE_ASK: Status(500, f'<img src="{watched.url}/toast.png">过载')}
    with ChatServer(by_prompt(rules, Text(PLAIN)), tokens_per_second=25) as chat:
        yield chat


@pytest.fixture(scope="module")
def offline_url(offline):
    with served(offline) as url:
        yield url


@pytest.fixture(scope="module")
def online_url(offline, server):
    settings = offline.model_copy(update={"llm_backend": "openai", "llm_base_url": server.url, "llm_timeout": 10.0,
                                          "llm_max_retries": 0})
    with served(settings) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def visits(browser):
    """Browser contexts opened by a test; none of their requests may leave the machine."""
    opened: list[Visit] = []
    yield lambda url: opened.append(Visit(browser, url)) or opened[-1]
    for v in opened:
        v.close()
    assert not [u for v in opened for u in v.outside()], "the page fetched something from outside the machine"


def prepared(settings: Settings, name: str, *, org: str = ORG, written: bool = True) -> int:
    """A draft of its own for one test: the sample facts, and every section written offline."""
    session = Desk(settings).create(org, YEAR, "annual", name=name)
    if org == ORG:
        session.import_facts(FACTS)
    if written:
        session.generate()
    return session.id


def exported_anyway(page, target) -> list[str]:
    """In the 导出 tab: export the .docx past the gate, download it to `target`; its paragraphs."""
    page.wait_for_timeout(1000)  # the tab's own refresh first: a click during it is not the export's
    page.locator("#export-docx").click()
    expect(page.locator("#export-anyway")).to_be_visible(timeout=20000)
    page.locator("#export-anyway").click()
    link = page.locator("#download").get_by_test_id("download-link")
    with page.expect_download() as download:
        link.click()
    download.value.save_as(target)
    return [p.text for p in Document(str(target)).paragraphs]


def editor(page):
    return page.locator("#section-text textarea")


def section_text(page) -> str:
    return editor(page).input_value()


def open_section(page, label: str) -> None:
    """Pick another section in the review tab and wait until its text is in the editor."""
    before = section_text(page)
    choose(page, "section-pick", label)
    expect(editor(page)).not_to_have_value(before)


# ---- corpus ----

@browser_test
def test_uploaded_files_are_ingested_listed_corrected_and_removed(visits, offline_url, tmp_path):
    summary = tmp_path / "测试县科学技术局2023年工作总结.txt"
    summary.write_text("测试县科学技术局2023年工作总结\n一、主要工作\n全年新增高新技术企业12家，技术合同成交额3.2亿元。\n"
                       "二、存在问题\n创新投入不足。", "utf-8")
    untitled = tmp_path / "材料.txt"
    untitled.write_text("一、工作回顾\n今年组织科技活动周，开展科普活动30场次，服务群众两万人次。\n二、下步打算\n继续做好科普。", "utf-8")
    program = tmp_path / "工具.exe"
    program.write_bytes(b"MZ\x90\x00")
    page = visits(offline_url).open()
    page.locator("#upload input[type=file]").set_input_files([str(summary), str(untitled), str(program)])
    page.locator("#ingest").click()
    expect(page.locator("#ingest-report")).to_contain_text("新增 2 份", timeout=20000)
    expect(page.locator("#ingest-report")).to_contain_text("跳过 工具.exe：不支持的文件类型“.exe”")
    expect(page.locator("#documents")).to_contain_text("测试县科学技术局2023年工作总结.txt")
    expect(cell(page, "documents", "材料.txt", 6)).to_contain_text("看不出单位、年度")
    expect(page.locator("#status-line")).to_contain_text("8 份文档")

    choose(page, "doc-pick", "材料.txt")
    expect(page.locator("#doc-outline")).to_contain_text("一、工作回顾")
    type_into(page, "meta-org", "测试县科学技术局")
    type_into(page, "meta-year", "2022")
    choose(page, "meta-period", "全年")
    page.locator("#set-meta").click()
    expect(cell(page, "documents", "材料.txt", 1)).to_have_text("测试县科学技术局", timeout=20000)
    expect(cell(page, "documents", "材料.txt", 6)).to_have_text("")

    page.locator("#remove-doc").click()
    toast(page, "已移除 材料.txt")
    expect(page.locator("#documents")).not_to_contain_text("材料.txt")
    expect(page.locator("#status-line")).to_contain_text("7 份文档")


# ---- drafts, facts, drafting ----

@browser_test
def test_a_draft_created_in_the_page_takes_facts_and_is_written_offline(visits, offline_url):
    page = visits(offline_url).open()
    tab(page, "稿件")
    page.locator("#new-org input").fill(ORG)
    type_into(page, "new-year", str(YEAR))
    type_into(page, "new-name", "界面新建")
    page.locator("#create-draft").click()
    expect(page.locator("#current-draft")).to_contain_text("界面新建")

    tab(page, "数据")
    expect(cell(page, "facts-grid", "高新技术企业总数", 2)).to_have_text("85")  # last year's, from the ledger
    edit_cell(page, "facts-grid", "高新技术企业总数", 3, "98")
    expect(cell(page, "facts-grid", "高新技术企业总数", 6)).to_have_text("13家")
    expect(cell(page, "facts-grid", "高新技术企业总数", 7)).to_have_text("15.3%")
    expect(page.locator("#facts-update")).to_contain_text("数据已保存")

    tab(page, "稿件")
    cell(page, "outline-grid", "（八）党建与机关自身建设", 0, key_col=1).locator("input").click()  # switch it off
    cell(page, "outline-grid", "（三）创新平台载体建设", 1, key_col=1).click()
    page.locator("#outline-up").click()  # 平台载体 before 企业培育: both renumbered
    expect(cell(page, "outline-grid", "（三）科技企业培育", 2, key_col=1)).to_have_text("正文")

    tab(page, "起草与审阅")
    expect(page.locator("#live")).to_contain_text("（二）创新平台载体建设")  # the page follows the new outline
    page.locator("#generate-all").click()
    card = page.locator("#live [data-section=enterprises]")
    expect(card).to_have_attribute("data-status", "saved", timeout=20000)
    expect(card).to_contain_text("全县高新技术企业总数达到98家")
    expect(page.locator("#live [data-section=party]")).to_have_count(0)
    open_section(page, "（三）科技企业培育")
    expect(page.locator("#section-status")).to_contain_text("第1版 · 离线生成")


@browser_test
def test_the_outline_takes_the_bureaus_own_headings_and_a_renamed_one(visits, offline_url, offline):
    page = visits(offline_url).open(prepared(offline, "往年提纲", written=False))
    tab(page, "稿件")
    page.locator("#outline-house").click()
    expect(cell(page, "outline-grid", "（二）聚焦企业培育，创新主体持续壮大", 2, key_col=1)).to_have_text("正文")
    expect(page.locator("#outline-house-note")).to_contain_text("评价式标题，宜按今年情况改写")
    cell(page, "outline-grid", "（二）聚焦企业培育，创新主体持续壮大", 1, key_col=1).click()
    type_into(page, "outline-title", "（二）聚焦企业培育，创新主体量质齐升")  # the number is the outline's, not typed
    page.locator("#outline-rename").click()
    expect(cell(page, "outline-grid", "（二）聚焦企业培育，创新主体量质齐升", 2, key_col=1)).to_have_text("正文")
    shot(page, "house-outline")
    tab(page, "起草与审阅")
    expect(page.locator("#live")).to_contain_text("（八）加强党的建设，机关作风持续改进")


@browser_test
def test_drafting_streams_text_into_the_page_and_a_failed_section_keeps_its_text(visits, online_url, offline):
    draft = prepared(offline, "流式")
    page = visits(online_url).open(draft)
    expect(page.locator("#status-line")).to_contain_text("127.0.0.1")
    tab(page, "起草与审阅")
    page.locator("#generate-all").click()
    card = page.locator("#live [data-section=enterprises]")
    writing = page.locator("#live [data-section=enterprises][data-status=writing] .live-text")
    expect(writing).to_contain_text(ENTERPRISES[:10], timeout=15000)
    status, partial = card.evaluate("e => [e.dataset.status, e.querySelector('.live-text').innerText]")
    assert status == "writing" and ENTERPRISES.startswith(partial) and len(partial) < len(ENTERPRISES)
    # progress that tells the truth: sections done of all, time so far; what a section waits for
    expect(page.locator("#live .live-progress")).to_contain_text(re.compile(r"已完成 \d+/11 · 用时"))
    shot(page, "drafting")
    expect(card).to_have_attribute("data-status", "saved", timeout=30000)
    expect(card.locator(".badge")).to_contain_text(re.compile(r"第\d+版 · 首字 \d+ 秒 · [\d.]+ tokens/秒"))
    expect(page.locator("#live .live-progress")).to_contain_text("已完成 11/11", timeout=30000)
    expect(card.locator(".live-text")).to_have_text(ENTERPRISES)
    failed = page.locator("#live [data-section=finance_ip]")
    expect(failed).to_have_attribute("data-status", "failed")
    expect(failed.locator(".badge")).to_contain_text("模型服务返回错误 500")
    expect(failed.locator(".live-text")).to_contain_text("发明专利授权105件")  # the offline text it had
    toast(page, "1 个部分生成失败")


@browser_test
def test_a_changed_fact_updates_the_text_in_place_or_asks_for_a_redraft(visits, offline_url, offline):
    page = visits(offline_url).open(prepared(offline, "改数"))
    tab(page, "数据")
    edit_cell(page, "facts-grid", "高新技术企业总数", 3, "105")
    expect(page.locator("#facts-update")).to_contain_text("个部分已就地更新")
    expect(cell(page, "facts-grid", "高新技术企业总数", 6)).to_have_text("20家")
    cell(page, "facts-grid", "高新技术企业总数", 0).click()
    expect(page.locator("#prior-source")).to_contain_text("示例县科学技术局2023年工作总结.md")
    edit_cell(page, "facts-grid", "高新技术产业产值", 3, "")  # its growth can no longer be stated: a redraft
    expect(page.locator("#facts-update")).to_contain_text("1 个部分需要重新生成")
    page.locator("#facts-regen").click()
    expect(page.locator("#facts-live [data-section=indicators]")).to_have_attribute("data-status", "saved")
    expect(page.locator("#facts-regen")).to_be_hidden()
    tab(page, "起草与审阅")
    open_section(page, "（二）科技企业培育")
    expect(editor(page)).to_have_value(re.compile("高新技术企业总数达到105家"))
    expect(page.locator("#history")).to_contain_text("数据更新")


@browser_test
def test_the_facts_tab_refuses_a_wrong_value_imports_a_file_and_keeps_notes(visits, offline_url, offline, tmp_path):
    page = visits(offline_url).open(prepared(offline, "错数", written=False))
    tab(page, "数据")
    edit_cell(page, "facts-grid", "高新技术企业总数", 3, "九十八", kept=False)
    toast(page, "不是数字")
    expect(cell(page, "facts-grid", "高新技术企业总数", 3)).to_have_text(re.compile(r"^\s*98\b"))  # the stored value

    facts = tmp_path / "数据.csv"
    facts.write_text("indicator,value,unit,target,next_target\n高新技术企业总数,101,家,95,110\n", "utf-8")
    page.locator("#facts-import input[type=file]").set_input_files(str(facts))
    expect(cell(page, "facts-grid", "高新技术企业总数", 6)).to_have_text("16家")
    expect(page.locator("#facts-update")).to_contain_text("数据第2版")

    choose(page, "note-section", "（二）科技企业培育")
    expect(page.locator("#notes textarea")).to_have_value(re.compile("印发高企培育三年行动方案"))
    type_into(page, "notes", "新增一条笔记")
    page.locator("#save-notes").click()
    toast(page, "笔记已保存")


# ---- review ----

@browser_test
def test_an_edit_becomes_a_version_that_can_be_compared_and_restored(visits, offline_url, offline):
    page = visits(offline_url).open(prepared(offline, "修改"))
    tab(page, "起草与审阅")
    open_section(page, "（二）科技企业培育")
    original = section_text(page)
    type_into(page, "section-text", original + "\n\n三是强化服务。")
    page.locator("#save-text").click()
    toast(page, "已保存为第2版")
    expect(page.locator("#history")).to_contain_text("手工修改")
    expect(page.locator("#diff ins")).to_have_text("\n\n三是强化服务。")

    choose(page, "restore-pick", "1")
    page.locator("#restore").click()
    toast(page, "已恢复为第3版")
    expect(page.locator("#history")).to_contain_text("恢复旧版")
    expect(editor(page)).to_have_value(original)
    expect(page.locator("#diff del")).to_contain_text("三是强化服务。")


@browser_test
def test_refining_by_chat_streams_the_answer_and_saves_a_version(visits, online_url, offline, server):
    page = visits(online_url).open(prepared(offline, "对话"))
    tab(page, "起草与审阅")
    open_section(page, "（二）科技企业培育")
    type_into(page, "instruction", SHORTER)
    page.locator("#send").click()
    expect(page.locator("#chat")).to_contain_text(REFINED, timeout=15000)
    toast(page, "保存为第2版")
    expect(editor(page)).to_have_value(REFINED)
    expect(page.locator("#history")).to_contain_text("对话修改")
    assert any(SHORTER in str(r["messages"][-1]["content"]) for r in server.requests)


@browser_test
def test_the_facts_tab_lists_last_years_plan_and_what_the_draft_answers(visits, offline_url, offline):
    page = visits(offline_url).open(prepared(offline, "去年计划"))
    tab(page, "数据")
    page.get_by_text("去年计划 → 今年落实情况").click()
    checklist = page.locator("#last-plan")
    expect(checklist).to_contain_text("2023年工作打算中的")
    expect(checklist).to_contain_text("已写到　推动创新主体量质齐升：力争全县高新技术企业总数达到95家以上")
    expect(checklist).to_contain_text("未写到　推动创新人才加快集聚：推广“揭榜挂帅”服务模式")
    checklist.scroll_into_view_if_needed()
    shot(page, "last-plan")


@browser_test
def test_regenerating_a_section_the_writer_edited_asks_first_and_can_keep_the_edit(visits, offline_url, offline):
    draft = prepared(offline, "保留修改")
    mine = "全县高新技术企业总数达到98家。这是写作者自己写的话。"
    Desk(offline).open(draft).edit("enterprises", mine)
    page = visits(offline_url).open(draft)
    tab(page, "起草与审阅")
    page.locator("#generate-all").click()
    expect(page.locator("#all-edits")).to_contain_text("（二）科技企业培育")
    expect(page.locator("#all-edits")).to_contain_text("手工修改")
    page.locator("#all-keep-edits").click()
    toast(page, "保留了你的手工修改")
    expect(page.locator("#all-edits")).to_be_hidden()
    assert Desk(offline).open(draft).history("enterprises")[-1].text == mine


@browser_test
def test_without_a_model_refining_explains_and_the_tidy_buttons_still_work(visits, offline_url, offline):
    page = visits(offline_url).open(prepared(offline, "离线整理"))
    tab(page, "起草与审阅")
    open_section(page, "（一）主要科技创新指标完成情况")
    expect(page.locator("#findings mark").first).to_have_text("【待核实：2024年全社会研发投入（亿元）】")
    expect(page.locator("#findings")).to_contain_text("拿到数字或材料后替换")
    open_section(page, "（二）科技企业培育")
    assert "参考表述" in section_text(page)
    page.get_by_text("参考的往年段落与所用数据").click()
    expect(page.locator("#passages")).to_contain_text("工作总结")
    expect(page.locator("#spans")).to_contain_text("高新技术企业总数")
    page.get_by_role("button", name="润色", exact=True).click()
    toast(page, "未配置模型")
    page.get_by_role("button", name="删除（参考表述）").click()
    toast(page, "已保存为第2版")
    expect(editor(page)).not_to_have_value(re.compile("参考表述"))


@browser_test
def test_images_in_a_text_a_chat_or_an_error_are_shown_as_text_and_never_fetched(visits, online_url, offline, watched):
    draft = prepared(offline, "图片")
    session = Desk(offline).open(draft)
    leaks = f'![]({watched.url}/md.png?d=98家) <img src="{watched.url}/html.png"> [图][1]\n\n[1]: {watched.url}/ref.png'
    session.edit("enterprises", session.history("enterprises")[-1].text + "\n\n" + leaks)
    session.ws.add_chat(draft, "enterprises", "user", f"加上 ![]({watched.url}/chat.png)")
    page = visits(online_url).open(draft)
    tab(page, "起草与审阅")
    open_section(page, "（二）科技企业培育")
    expect(page.locator("#chat")).to_contain_text("加上 ![](")
    type_into(page, "instruction", IMAGE_ASK)
    page.locator("#send").click()
    toast(page, "过载")
    tab(page, "导出")
    expect(page.locator("#preview")).to_contain_text(f"![]({watched.url}/md.png?d=98家)")
    expect(page.locator("#preview")).to_contain_text('<img src=')
    page.wait_for_timeout(500)
    assert watched.hits == []


@browser_test
def test_a_bureau_that_is_not_a_science_bureau_drafts_end_to_end(visits, tmp_path):
    """A 城市管理和综合执法局 (its real summaries): ingest them, review the outline proposed from the last one, fill
    this year's column of the rows its ledger gives, generate, export."""
    bureaus = ROOT / "tests" / "fixtures" / "bureaus"
    settings = Settings(corpus_dir=tmp_path / "corpus", index_dir=tmp_path / "index", workspace=tmp_path / "ws",
                        embedding="hash", llm_backend="offline")
    with served(settings) as url:
        page = visits(url).open()
        page.locator("#upload input[type=file]").set_input_files(
            [str(f) for f in sorted(bureaus.glob("深圳市城市管理和综合执法局*.txt"))])
        page.locator("#ingest").click()
        expect(page.locator("#ingest-report")).to_contain_text("新增 2 份", timeout=30000)
        tab(page, "稿件")
        page.locator("#new-org input").fill("深圳市城市管理和综合执法局")
        type_into(page, "new-year", "2022")
        page.locator("#create-draft").click()
        toast(page, "提纲按本局往年总结（深圳市城市管理和综合执法局2021年工作总结.txt）建立")
        expect(page.locator("#current-draft")).to_contain_text("深圳市城市管理和综合执法局")
        expect(cell(page, "outline-grid", "（二）园林绿化精细管理全面加强", 2, key_col=1)).to_have_text("正文")
        expect(page.locator("#outline-grid")).not_to_contain_text("科技企业培育")
        cell(page, "outline-grid", "（三）市容环境综合提升更具特色", 1, key_col=1).click()
        type_into(page, "outline-title", "市容环境品质持续提升")
        page.locator("#outline-rename").click()
        expect(cell(page, "outline-grid", "（三）市容环境品质持续提升", 2, key_col=1)).to_have_text("正文")
        shot(page, "any-bureau-outline")

        tab(page, "数据")
        expect(cell(page, "facts-grid", "公园总数", 2)).to_have_text("1238")  # last year's, from its own summary
        edit_cell(page, "facts-grid", "公园总数", 3, "1260")
        expect(cell(page, "facts-grid", "公园总数", 6)).to_have_text("22个")
        expect(page.locator("#facts-update")).to_contain_text("数据已保存")

        tab(page, "起草与审阅")
        page.locator("#generate-all").click()
        card = page.locator("#live [data-section=own3]")
        expect(card).to_have_attribute("data-status", "saved", timeout=30000)
        expect(card).to_contain_text("公园总数1260个")

        tab(page, "导出")
        paragraphs = exported_anyway(page, tmp_path / "out.docx")
        assert paragraphs[0] == "深圳市城市管理和综合执法局2022年工作总结和2023年工作计划"  # the bureau's own title
        assert any(p.startswith("（三）市容环境品质持续提升。") for p in paragraphs)  # run in, as the bureau writes it
        assert any("公园总数1260个" in p for p in paragraphs)


# ---- export ----

@browser_test
def test_the_draft_downloads_as_a_word_file(visits, offline_url, offline, tmp_path):
    page = visits(offline_url).open(prepared(offline, "导出"))
    tab(page, "导出")
    expect(page.locator("#preview")).to_contain_text("一、2024年主要工作及成效")
    expect(page.locator("#todo")).to_contain_text("【待核实：2024年全社会研发投入（亿元）】")  # what is left, in one place
    page.locator("#export-docx").click()
    page.locator("#export-anyway").click()  # the gate lists what is open; the writer exports anyway
    link = page.locator("#download").get_by_test_id("download-link")
    expect(link).to_have_attribute("download", "示例县科学技术局2024年工作总结和2025年工作打算.docx")
    with page.expect_download() as download:
        link.click()
    target = tmp_path / "draft.docx"
    download.value.save_as(target)
    word = Document(str(target))
    assert word.paragraphs[0].text == "示例县科学技术局2024年工作总结和2025年工作打算"
    assert any(p.text.startswith("（二）科技企业培育") for p in word.paragraphs)


@browser_test
def test_the_export_gate_lists_what_is_open_and_the_file_carries_no_hints(visits, offline_url, offline, tmp_path):
    draft = prepared(offline, "把关")
    session = Desk(offline).open(draft)
    text = session.history("enterprises")[-1].text
    session.edit("enterprises", "【修改后的正文】\n" + text + "另有8家企业获得奖补。")
    session.ws.mark_stale(draft, "talent", "高层次人才的数字已改")
    page = visits(offline_url).open(draft)
    tab(page, "导出")
    expect(page.locator("#signing-date textarea")).to_have_value("2024年12月31日")  # the period's last day
    page.wait_for_timeout(1000)  # the tab's own refresh, after the page's, must not overwrite what is typed
    type_into(page, "signing-date", "2025-01-10")
    page.locator("#export-docx").click()
    gate = page.locator("#gate-list")
    for words in ("（二）科技企业培育", "数字无来源", "8家", "框架文字", "需重新生成", "参考表述", "待核实"):
        expect(gate).to_contain_text(words)
    shot(page, "export-gate")
    page.locator("#export-back").click()
    expect(page.locator("#section-text textarea")).to_be_visible()  # back in 起草与审阅
    tab(page, "导出")
    paragraphs = exported_anyway(page, tmp_path / "out.docx")
    assert not any("参考表述" in p or "【修改后的正文】" in p for p in paragraphs)
    assert paragraphs[-2:] == ["示例县科学技术局", "2025年1月10日"]


# ---- several writers ----

@browser_test
def test_two_browsers_on_different_drafts_see_only_their_own(visits, offline_url, offline):
    mine, theirs = prepared(offline, "甲的稿件"), prepared(offline, "乙的稿件", org="示范市科学技术局")
    a, b = visits(offline_url).open(), visits(offline_url).open(theirs)  # 乙 follows a link to the draft
    tab(a, "稿件")
    choose(a, "draft-pick", f"{mine} · 甲的稿件")
    a.locator("#open-draft").click()
    expect(a.locator("#current-draft")).to_contain_text("甲的稿件")
    expect(b.locator("#current-draft")).to_contain_text("乙的稿件")
    for page in (a, b):
        tab(page, "起草与审阅")  # the opening paragraph is shown first
    for page, words in ((a, "甲补充的一句。"), (b, "乙补充的一句。")):
        type_into(page, "section-text", section_text(page) + words)
        page.locator("#save-text").click()
        toast(page, "已保存为第2版")  # each in its own draft: no conflict
    expect(editor(a)).to_have_value(re.compile("^2024年，示例县[^乙]*甲补充的一句。$"))
    expect(editor(b)).to_have_value(re.compile("^2024年，示范市[^甲]*乙补充的一句。$"))


@browser_test
def test_the_second_writer_on_the_same_section_is_warned_and_keeps_the_typed_text(visits, offline_url, offline):
    draft = prepared(offline, "同稿")
    a, b = visits(offline_url).open(draft), visits(offline_url).open(draft)
    for page in (a, b):
        tab(page, "起草与审阅")
        open_section(page, "（二）科技企业培育")
    type_into(a, "section-text", "甲改写的正文。")
    a.locator("#save-text").click()
    toast(a, "已保存为第2版")
    type_into(b, "section-text", "乙改写的正文。")
    b.locator("#save-text").click()
    toast(b, "已被更新为第2版")
    expect(editor(b)).to_have_value("乙改写的正文。")
    expect(b.locator("#conflict textarea")).to_have_value("甲改写的正文。")
    b.locator("#save-text").click()  # merged (here: kept as is), saved over the version now shown
    toast(b, "已保存为第3版")


# ---- the whole page ----

@browser_test
def test_every_tab_renders_in_chinese_and_nothing_is_fetched_from_outside(visits, offline_url, offline):
    visit = visits(offline_url)
    page = visit.open(prepared(offline, "截图"))
    for name, slug, content in (("语料库", "corpus", "#documents"), ("稿件", "drafts", "#outline-grid"),
                                ("数据", "facts", "#facts-grid"), ("起草与审阅", "review", "#live"),
                                ("导出", "export", "#preview")):
        tab(page, name)
        expect(page.locator(content)).to_be_visible()
        shot(page, slug)
    body = page.locator("body").inner_text()
    assert not [w for w in ("Warning", "Error", "Use via API", "Built with Gradio", "Settings") if w in body]
    assert visit.requests and not visit.outside()


@browser_test
def test_with_a_users_file_the_page_asks_for_sign_in(browser, offline, tmp_path):
    from drafter.ui.app import read_users, sign_in

    users = tmp_path / "users.txt"
    users.write_text(f"zhang:{hashlib.sha256('秘密'.encode()).hexdigest()}\n", "utf-8")
    with served(offline, auth=sign_in(read_users(users))) as url:
        visit = Visit(browser, url)
        page = visit.page
        page.goto(url)
        page.get_by_label("用户名").fill("zhang")
        page.get_by_label("密码").fill("秘密")
        page.get_by_role("button", name="登录").click()
        expect(page.locator("#status-line")).to_contain_text("索引", timeout=15000)
        assert not visit.outside()
        visit.close()


# ---- serving: no browser needed ----

def test_serving_beyond_this_machine_without_sign_in_is_refused(offline):
    from drafter.ui.app import serve

    with pytest.raises(ConfigError, match="DRAFTER_UI_AUTH"):
        serve(offline, host="0.0.0.0", port=1)


def test_sign_in_accepts_the_password_whose_digest_is_in_the_users_file(tmp_path):
    from drafter.ui.app import read_users, sign_in

    users = tmp_path / "users.txt"
    users.write_text(f"# 用户\nzhang:{hashlib.sha256('秘密'.encode()).hexdigest()}\n", "utf-8")
    check = sign_in(read_users(users))
    assert check("zhang", "秘密") and not check("zhang", "秘") and not check("li", "秘密")
    users.write_text("zhang:秘密\n", "utf-8")
    with pytest.raises(ConfigError, match="第1行"):
        read_users(users)


def test_uploaded_file_names_cannot_leave_the_corpus_folder():
    assert shelf.safe_name("../../etc/passwd") == "passwd"
    assert shelf.safe_name("..\\..\\总结.TXT") == "总结.txt"
    assert shelf.safe_name(".bashrc") == "bashrc"
    assert shelf.safe_name("..") == "未命名"
