"""Heading parsing: own-line and run-in headings, levels, parts, and numbered items that are not headings."""

from drafter.clean import clean
from drafter.outline import parse_outline


def _headings(text: str):
    return [(s.level, s.marker, s.title) for s in parse_outline(clean(text).text) if s.level]


def test_own_line_headings_nest_by_marker_style():
    text = ("某县科技局2023年工作总结\n一、2023年主要工作\n(一)企业培育\n1.完善政策。全年新增高企12家。\n"
            "2.强化服务。走访企业50家。\n(二)平台建设\n新增省级研发机构3家。\n二、2024年工作打算\n(一)壮大创新主体\n力争新增高企15家。")
    assert _headings(text) == [
        (1, "一、", "2023年主要工作"), (2, "(一)", "企业培育"), (3, "1.", "完善政策"), (3, "2.", "强化服务"),
        (2, "(二)", "平台建设"), (1, "二、", "2024年工作打算"), (2, "(一)", "壮大创新主体"),
    ]
    parts = [s.part for s in parse_outline(clean(text).text) if s.level]
    assert parts == ["review"] * 5 + ["plan"] * 2


def test_run_in_headings_inside_one_long_line():
    text = ("今年以来,县科技局紧紧围绕中心工作。一、工作成绩与亮点 1.加快企业培育。新增高企12家。"
            "2.加强人才引进。引进人才20人。二、xxxx年工作安排xxxx年,我局将继续努力。1.坚持党建引领,抓实机关建设。注重强基固本。")
    assert _headings(text) == [
        (1, "一、", "工作成绩与亮点"), (2, "1.", "加快企业培育"), (2, "2.", "加强人才引进"),
        (1, "二、", "xxxx年工作安排"), (2, "1.", "坚持党建引领,抓实机关建设"),
    ]


def test_yishi_points_are_headings_only_after_a_full_stop():
    text = ("一、营造氛围\n一是贯彻落实会议精神,营造浓厚氛围。4月21日召开会议。二是完善激励政策。出台文件。\n"
            "二、强化服务\n根据统一部署,一是抽调专人参加防控,二是组织干部下沉社区。")
    assert _headings(text) == [
        (1, "一、", "营造氛围"), (2, "一是", "贯彻落实会议精神,营造浓厚氛围"), (2, "二是", "完善激励政策"),
        (1, "二、", "强化服务"),
    ]


def test_long_numbered_items_and_out_of_sequence_numbers_are_not_headings():
    text = ("一、主要工作\n全年共培训企业184家,发放手册2000余份,组织辅导培训8场次。\n"
            "3.这一条编号不连续而且是一个很长的句子没有句号也不像标题的样子继续写下去直到超过长度限制为止还在写\n"
            "(一)企业培育\n新增高企12家。")
    assert _headings(text) == [(1, "一、", "主要工作"), (2, "(一)", "企业培育")]


def test_document_without_headings_is_one_preamble_section():
    sections = parse_outline("今年以来,我局围绕中心工作,全年新增高新技术企业12家。")
    assert [(s.level, s.marker) for s in sections] == [(0, "")]


def test_section_bodies_cover_the_text_between_headings():
    text = "一、主要工作\n(一)企业培育。新增高企12家。\n(二)平台建设。新增研发机构3家。"
    sections = parse_outline(text)
    assert [s.body for s in sections] == ["", "新增高企12家。", "新增研发机构3家。"]
    assert sections[1].parent == 0 and sections[2].parent == 0
