"""Heading parsing: own-line and run-in headings, levels, parts, and numbered items that are not headings."""

from drafter.ingest.clean import clean
from drafter.ingest.headings import parse_outline


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


def test_bullets_parts_and_colon_terminated_run_in_headings():
    text = ("第一部分 2018年工作总结\n◆ 一、培育创新主体\n(1)高企培育成效明显。全年新增12家。\n◆ 二、建设创新平台\n"
            "第二部分 2019年工作安排\n一、着力培育创新主体\n重点抓好四项工作:一是实施企业培育工程。全年培育企业。"
            "二是实施平台提升工程。\n(二)加快创新平台建设:新建孵化器2家。")
    assert _headings(text) == [
        (1, "第一部分", "2018年工作总结"), (2, "一、", "培育创新主体"), (3, "(1)", "高企培育成效明显"),
        (2, "二、", "建设创新平台"), (1, "第二部分", "2019年工作安排"), (2, "一、", "着力培育创新主体"),
        (3, "一是", "实施企业培育工程"), (3, "二是", "实施平台提升工程"),
    ]


def test_hard_wrapped_pdf_text_is_rejoined_but_headings_and_indented_paragraphs_stay():
    body = "　　2016年是开局之年。一年来,市科技局在市委的正确领导下认真贯彻落实全国科技创新大会精神\n" \
           "和全省科技创新大会精神,围绕目标深入实施创新驱动发展战略,全市科技工作取得了新\n" \
           "进展。现将有关情况汇报如下:\n" \
           "一、创新驱动发展战略深入实施,科技综合实力稳步提升不断增\n" \
           "　　一是政策体系不断完善。市委市政府出台了关于深入实施创新驱动发展战略的意见配套\n" \
           "制定了科技创新十条措施等7个政策文件。二是主要指标较快增长,全社会研发经费支出达\n" \
           "19.8亿元。\n"
    text = clean(body).text
    assert "取得了新进展" in text and "等7个政策文件" in text
    assert "\n一、创新驱动发展战略深入实施" in text and "不断增\n一是政策体系" in text
