"""Find every quantitative statement in a summary and describe it as a Figure.

A figure is a number with a unit (家, 项, 万元, %, 位次 …). Dates, document numbers, editions,
ordinals, quoted policy names and thresholds (10万元以上项目) are not figures. Values are kept
as written; implausible ones (a year glued into a count by a scraper) are marked suspect.
"""

import re
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources

import yaml

from drafter.models import DocMeta, Figure, Kind, Scope, Section

# a bureau's own name after its place: a 科技局 by any of its names, or any other bureau (城市管理和综合执法局, 气象局)
ORG_SUFFIX = (r"(?:科学技术局|科技局|科学技术委员会|科技委员会|科学技术和工业信息化局|科技和工业信息化局|科学技术协会"
              r"|[\u4e00-\u9fff]{1,12}?(?:局|委员会|联合会|办公室|办事处|中心|档案馆|[乡镇]人民政府))")
ORG = re.compile(rf"([\u4e00-\u9fffxX×*]{{1,12}}?(?:省|市|县|区|州|盟|旗))(?:人民政府)?{ORG_SUFFIX}")

COUNT_UNITS = {"家", "项", "件", "人", "名", "个", "次", "份", "场", "篇", "所", "台", "套", "条", "座", "株", "棵", "批", "户", "支", "款", "处",
               "期", "起", "人次", "家次", "场次", "架次", "批次", "户次", "件次", "台次", "台套", "辆次", "艘次", "车次", "班次", "项次", "册", "册次", "口", "头", "辆", "张", "艘", "对"}
_PER = ("/年", "/日", "/天")  # 危险废物利用处置能力156.8万吨/年: a capacity, counted in its base unit
UNITS = sorted(
    {*"万人次 万平方米 平方米 个百分点 万美元 亿美元 万元 亿元 万亩 公里 亿立方米 万立方米 立方米 平方公里 公顷 万千瓦 千瓦 "
      "万册 万吨 个月 个工作日 工作日 小时 分钟 公斤 千克 微克/立方米 毫克/立方米 毫克/升 亩 吨 天 位 倍 元 米 岁 % 万 亿".split(),
     *COUNT_UNITS, *(f"万{u}" for u in COUNT_UNITS if len(u) == 1 or u.endswith("次")),
     *(u + p for u in ("万吨", "吨", "万立方米", "立方米", "千瓦", "万千瓦") for p in _PER)},
    key=len, reverse=True,
)
# 一口气, 两头兼顾, 一张蓝图, 一对一: no figures
ARABIC_ONLY = {"口", "头", "张", "米", "辆", "艘", "对", "岁", "小时", "分钟", "个月", "公斤", "千克"}
CN_NUM = "零〇一二两三四五六七八九十百千"
_AR = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_NUM = rf"{_AR}|[{CN_NUM}]+"
QUANTITY = re.compile(
    rf"(?P<num>{_NUM})(?:\s*(?:-|~|～|—|至|到)\s*(?P<high>{_NUM}))?(?P<mag>[万亿](?=余|多))?(?P<q>余|多)?"
    rf"(?P<unit>{'|'.join(map(re.escape, UNITS))})"
)
RANK = re.compile(r"(位居|位列|居于|排名|排在|保持|居)([^,，。;；、第]{0,8}?)第([一二三四五六七八九十\d]{1,3})(?:位|名)?(?![届批次期轮号])")
RANK_MORE = re.compile(r"[,，、]([^,，。;；第]{1,6}?)第([一二三四五六七八九十\d]{1,3})(?:位|名)?(?![届批次期轮号])")
FRACTION = re.compile(r"(?<![\d/.])(\d{1,3})/(\d{1,3})(?![\d/])|([一二三四五六七八九十]+)分之([一二三四五六七八九十]+)")
# 八项规定, 四项工作: a count of the text's own structure, not an indicator
STRUCTURAL = re.compile(r"规定|工作|措施|任务|举措|原则|要求|制度|机制|行动|工程|方面|重点|目标")
QUOTED = re.compile(r"“[^”]{0,40}”|《[^》]{0,80}》|\"[^\"]{0,40}\"|〔[^〕]{0,20}〕|【[^】]{0,40}】")
SENTENCE = re.compile(r"[^。！？!?;；\n]+[。！？!?;；]?")
CLAUSE_BREAK = ",，;；:：(（"
PREFIX_QUALIFIERS = ("力争超过", "力争达到", "力争突破", "力争", "不少于", "不低于", "不超过", "超过", "超", "突破", "逾", "将近", "接近", "近", "约")
GROWTH_WORDS = re.compile(r"增长|增幅|增速|提高|提升|下降|减少|上升|增加(?!值)|同比|环比|降低")
TARGET_WORDS = re.compile(r"拟|力争|预计|确保|目标(?:为|是|任务)|计划(?=新增|实施|培育|完成|申报|引进|组织|建设|开展|推荐|争取)")
CONTEXT_REGION = re.compile(r"^(全省|全国|省内|国内|全市|全区|全县|[\u4e00-\u9fff]{2,4}?)(共有|共|仅有|仅|只有|总共)$")
LOCAL_WORDS = {"全县", "全区", "我县", "我市", "我区", "本县", "本市", "本区", "县内", "区内", "市内"}
TIME_WORDS = {"全年", "今年", "年内", "当年", "上半年", "下半年", "目前", "累计", "其中", "全年度", "本年度", "截至目前"}
FILLER = re.compile(
    r"全年度?|本年度|今年以来|今年|年内|上半年|下半年|截至目前|截止目前|目前|累计|全社会|全县|全市|全区|我县|我市|我区|"
    r"共计|共有|合计|总计|其中|同比|达到|实现|完成|已|共|达|为|到|有|的"
)
MONEY_WORDS = re.compile(r"资金|投入|经费|额|产值|收入|投资|贷款|金额|营收|销售|奖补|补助|增加值")
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


@dataclass(frozen=True)
class Indicator:
    name: str
    unit: str
    topic: str
    aliases: tuple[re.Pattern, ...]
    say: str = "{indicator}{value}{unit}"  # how a draft states the value
    change: str | None = None  # growth | delta | points: how the change on last year is stated


@cache
def catalog() -> tuple[Indicator, ...]:
    """The indicator catalog (drafter/data/indicators.yaml)."""
    rows = yaml.safe_load(resources.files("drafter").joinpath("data/indicators.yaml").read_text("utf-8"))
    return tuple(
        Indicator(r["name"], r["unit"], r["topic"], tuple(re.compile(a) for a in r["aliases"]),
                  r.get("say", Indicator.say), r.get("change")) for r in rows
    )


def indicator(name: str) -> Indicator | None:
    """The catalog entry named exactly `name`."""
    return next((i for i in catalog() if i.name == name), None)


def canonical(phrase: str) -> Indicator | None:
    """The catalog indicator a phrase names, when the phrase is an alias plus filler words only."""
    best: tuple[int, Indicator] | None = None
    for indicator in catalog():
        for alias in indicator.aliases:
            for m in alias.finditer(phrase):
                rest = FILLER.sub("", phrase[: m.start()] + phrase[m.end():])
                if not rest.strip() and (best is None or len(m.group(0)) > best[0]):
                    best = (len(m.group(0)), indicator)
    return best[1] if best else None


def cn_number(text: str) -> float:
    """Chinese or Arabic numeral text to a number: 两 -> 2, 二十三 -> 23, 1,200 -> 1200."""
    if re.fullmatch(_AR, text):
        return float(text.replace(",", ""))
    digits = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
    units = {"十": 10, "百": 100, "千": 1000}
    total, current = 0, 0
    for ch in text:
        if ch in digits:
            current = digits[ch]
        else:
            total += (current or 1) * units[ch]
            current = 0
    return float(total + current)


@dataclass
class _Context:
    meta: DocMeta
    section: Section
    plan_year: str | None
    place: str | None


def extract_figures(text: str, sections: list[Section], meta: DocMeta) -> list[Figure]:
    """All figures of a parsed document, in reading order."""
    place_match = ORG.match(meta.org or "")
    place = place_match.group(1) if place_match else None
    figures: list[Figure] = []
    for section in sections:
        ctx = _Context(meta, section, _plan_year(section, sections, meta), place)
        span = text[section.start:section.end]
        for m in SENTENCE.finditer(span):
            figures += _sentence_figures(m.group(0), section.start + m.start(), ctx)
    return figures


def _plan_year(section: Section, sections: list[Section], meta: DocMeta) -> str | None:
    if section.part != "plan":
        return None
    node: Section | None = section
    while node is not None:
        if m := re.search(r"((?:19|20)\d{2})年", node.title):
            return m.group(1)
        node = sections[node.parent] if node.parent is not None else None
    if meta.year is None:
        return None
    return f"H2 {meta.year}" if meta.period == "H1" else str(meta.year + 1)


def _sentence_figures(sentence: str, offset: int, ctx: _Context) -> list[Figure]:
    blocked = [m.span() for m in QUOTED.finditer(sentence)]
    found: list[tuple[int, Figure]] = []
    for pos, figure in _ranks(sentence, ctx) + _fractions(sentence, ctx):
        if not _inside(pos, blocked):
            found.append((pos, figure))
            blocked.append((pos, pos + len(figure.value_text)))
    previous: Figure | None = None
    for m in QUANTITY.finditer(sentence):
        if _inside(m.start(), blocked) or not is_figure(sentence, m):
            continue
        for figure in _quantities(sentence, m, ctx, previous):
            found.append((m.start(), figure))
            previous = figure
    found.sort(key=lambda item: item[0])
    found = _name_ranks(found)
    return [_placed(f, sentence, offset, pos, ctx) for pos, f in found]


def _name_ranks(found: list[tuple[int, Figure]]) -> list[tuple[int, Figure]]:
    """位居温州第一 after 总数达132家 ranks that figure."""
    out: list[tuple[int, Figure]] = []
    for pos, f in found:
        if f.unit == "位次" and f.indicator.endswith("排名") and out and len(f.indicator) <= 6:
            f = replace(f, indicator=out[-1][1].indicator + f.indicator)
        out.append((pos, f))
    return out


def _inside(pos: int, spans: list[tuple[int, int]]) -> bool:
    return any(a <= pos < b for a, b in spans)


def is_figure(sentence: str, m: re.Match) -> bool:
    """Whether a quantity match is a figure, not a date, ordinal, structure count or threshold."""
    num, unit = m.group("num"), m.group("unit")
    before = sentence[m.start() - 1] if m.start() else ""
    after = sentence[m.end():m.end() + 3]
    if before and (before.isdigit() or before in ".第/-" or (before.isascii() and before.isalpha())):
        return False
    if not num[0].isdigit():
        if unit in ARABIC_ONLY or (num == "一" and unit != "个百分点") or not re.search("[一二两三四五六七八九十]", num) or before in "第之每唯统同单":
            return False
        if unit == "期" or (unit in ("项", "个", "条") and STRUCTURAL.match(after)) or (unit == "件" and after[:1] == "事"):
            return False  # 重点抓好三件事：一是…: the text's own list, not a count of things done
        if re.search(r"(?:上述|以上|以下|前述|下列|这)$", sentence[:m.start()]):  # 上述四项指标: the text's own list
            return False
        if _listed(sentence[:m.start()]) == cn_number(num):  # 工业、建筑业、批零住餐和服务业四个专业: counts the list
            return False
        if unit in ("项", "个") and after.startswith("指标") and \
                len(QUANTITY.findall(sentence[:m.start()])) == cn_number(num):  # …105件，四项指标均超额完成: counts them
            return False
    if re.match(r"以[上下][\u4e00-\u9fff]", after) or before == "前" and not sentence[:m.start()].endswith("提前"):
        # 10万元以上项目, 前20名企业 (not 提前2-3小时)
        return False
    if after.startswith("的") and _prefix_qualifier(sentence[: m.start()]):  # 超过2000万元的企业: a threshold
        return False
    if unit == "岁" and not re.search(r"寿命|年龄|岁数", sentence[max(0, m.start() - 12):m.start()]):
        return False  # 60岁以上老年人, 0-3岁婴幼儿: who is meant, not a figure (人均预期寿命82.6岁 is one)
    if unit == "小时" and re.match(r"值|在线|不间断|全天|热线|监|运行|服务|响应机制", after):
        return False  # 24小时值班值守: a way of working, not a figure
    if unit == "位" and re.search(r"(?:前移|后移|前进|后退|上升|下降|提升|提高|跃升)$", sentence[:m.start()]):
        return False  # 比上年前移三位: a rank's move, not a count
    if (unit == "人" and after[:1] in "民大才") or (unit == "位" and after[:1] in "居列于") or (unit == "个" and after.startswith("方面")) or (unit == "倍" and after.startswith("增")):
        return False
    return True


def _listed(before: str) -> int:
    """How many items the words right before a number list (甲、乙、丙和丁 → 4); 0 when they list none."""
    run = re.search(r"[\u4e00-\u9fff“”]{1,10}(?:(?:、|和|及|与)[\u4e00-\u9fff“”]{1,10})+$", before)
    return len(re.split(r"、|和|及|与", run.group(0))) if run else 0


def _quantities(sentence: str, m: re.Match, ctx: _Context, previous: Figure | None) -> list[Figure]:
    subject = _subject(sentence, m.start())
    unit = (m.group("mag") or "") + m.group("unit")
    if unit in ("万", "亿"):
        unit = _bare_unit(unit, subject)
    qualifier = m.group("q") or _prefix_qualifier(sentence[: m.start()])
    if "力争" in subject and not (qualifier or "").startswith("力争"):  # 力争…达到70家, 力争…超过150项
        qualifier = "力争" + (qualifier or "")
    if sentence[m.end():].startswith(("以上", "左右")):
        qualifier = qualifier or sentence[m.end(): m.end() + 2]
    value = cn_number(m.group("num"))
    high = cn_number(m.group("high")) if m.group("high") else None
    kind = _kind(sentence, m.start(), subject, unit, ctx)
    scope = _scope(subject, ctx, sentence[max(0, m.start() - 14):m.start()])
    if scope == "context":
        region = CONTEXT_REGION.match(subject.strip())
        subject = (region.group(1) + "合计" if region else subject.strip()) + "(参照)"
    base = dict(value=value, value_high=high, unit=unit, kind=kind, scope=scope, qualifier=qualifier,
                value_text=m.group(0), suspect=_suspect(m.group("num"), value, high, unit))
    names = _each_items(sentence, m.start()) or [_indicator(subject, unit, kind, previous, sentence[m.end():])]
    return [Figure(indicator=name, period=None, sentence="", **base) for name in names]


def _subject(sentence: str, pos: int) -> str:
    """The words of the clause before a number: what the number counts."""
    start = max(sentence.rfind(ch, 0, pos) for ch in CLAUSE_BREAK) + 1
    subject = sentence[start:pos]
    for q in PREFIX_QUALIFIERS:
        if subject.endswith(q):
            return subject[: -len(q)]
    return subject


def _prefix_qualifier(before: str) -> str | None:
    return next((q for q in PREFIX_QUALIFIERS if before.endswith(q)), None)


def _bare_unit(unit: str, subject: str) -> str:
    if "人次" in subject:
        return unit + "人次"
    if MONEY_WORDS.search(subject):
        return unit + "元"
    if "面积" in subject:
        return unit + "平方米"
    return unit


def _kind(sentence: str, pos: int, subject: str, unit: str, ctx: _Context) -> Kind:
    if ctx.section.part == "plan":
        return "target"
    if unit in ("%", "个百分点", "倍", "比例") and GROWTH_WORDS.search(subject[-12:]):
        return "growth"
    if unit == "倍" and re.search(r"上年|去年|同期", subject):  # 是上年的2.1倍
        return "growth"
    if "完成" in sentence[max(0, pos - 25):pos]:  # 完成年度目标任务(40家)的120%: a completion rate is an actual
        return "actual"
    return "target" if TARGET_WORDS.search(sentence[:pos]) else "actual"


def _scope(subject: str, ctx: _Context, before: str = "") -> Scope:
    subject = subject.strip()
    if re.search(r"(全省|全国|全市|省|市)(的)?平均", before + subject) or re.fullmatch(r"在(全省|全国)", subject):
        return "context"  # 全省平均水平(2.2%), 在全省88个县(市、区)中
    m = CONTEXT_REGION.match(subject)
    if not m:
        return "local"
    region = m.group(1)
    if region in LOCAL_WORDS or region in TIME_WORDS or (ctx.place and ctx.place.startswith(region)):
        return "local"
    if region in ("全市", "市内") and not (ctx.place or "").endswith(("县", "区")):
        return "local"
    return "context"


def _suspect(num_text: str, value: float, high: float | None, unit: str) -> bool:
    """A scraper's year glued into a count (2023家, 25832023万元) or a range that runs backwards."""
    digits = num_text.replace(",", "").split(".")[0]
    yearish = bool(re.search(r"(19|20)\d\d", digits)) and value >= 1000
    too_big = (unit in COUNT_UNITS and value >= 1000 and yearish) or (unit == "万元" and value >= 1e6) or (
        unit == "亿元" and value >= 1e4) or (unit == "%" and value > 1000)
    return too_big or (high is not None and high < value)


def _each_items(sentence: str, pos: int) -> list[str] | None:
    """A、B各1项 states one figure per listed item."""
    if not sentence[:pos].endswith("各"):
        return None
    subject = _subject(sentence, pos - 1)
    items = [item for item in subject.split("、") if item]
    return items if 1 < len(items) <= 10 else None


def _role(subject: str, bare: str) -> str | None:
    """总数达 / 累计 / 净增 / 新增 with nothing else: the number continues the previous indicator."""
    if bare in ("新增", "净增"):
        return bare
    if re.fullmatch(r"(总数|总量|总计)?", bare) and ("总" in subject or "累计" in subject):
        return "总数"
    return None


def _following_noun(after: str) -> str:
    """组织7家企业参加 -> 企业: the noun right after the unit when the number comes first."""
    m = re.match(r"([^,，。;；、(（]{1,12}?)(?=参加|参与|入选|通过|获|申报|开展|进行|完成|入驻|作为|创立|[,，。;；、(（]|$)", after)
    return m.group(1) if m else ""


def _indicator(subject: str, unit: str, kind: Kind, previous: Figure | None, sentence_after: str) -> str:
    """Canonical catalog name when the words allow, else the phrase as written."""
    if found := canonical(subject):
        return found.name
    bare = FILLER.sub("", subject).strip()
    if previous is not None and (role := _role(subject, bare)):
        base = re.sub(r"^(新增|净增|新认定)|(新增|净增|总数)$", "", previous.indicator)
        name = base + "总数" if role == "总数" else role + base
        found = canonical(name)
        return found.name if found else name
    if previous is not None and unit in ("%", "个百分点") and kind == "growth" and not re.sub(GROWTH_WORDS, "", bare):
        return previous.indicator + "增长率"
    if len(bare) <= 3 and (following := _following_noun(sentence_after)):
        return (bare + following)[:16]
    if previous is not None and (len(bare) <= 2 or len(bare) == 3 and bare.endswith("级")):
        return previous.indicator + bare  # 其中省级5家: a kind of the thing before (not 专项债3.8亿元, a thing of its own)
    phrase = re.sub(r"^(新增|新(?!建)|其中|分别|共|累计)?", "", subject).strip(" ,，、")
    phrase = re.sub(r"(达到|达|为|到|共|累计|实现|完成|已|有)+$", "", phrase)
    return phrase[-16:] or "未命名指标"


_ROW_EDGES = re.compile(r"^(?:\d{4}年度?|全年度?|本年度?|今年|年内|全社会|全[省市县区旗]|我[省市县区旗局]|累计|共计|共有|共|其中|当年|"
                        r"截至目前|目前|已)+|(?:超过|超|近|约|达到|达|共|累计|余|多|了|以上|分别)+$")


def row_name(indicator: str) -> str | None:
    """A figure's indicator as a row of a facts table: scope and qualifier words trimmed (全市公园总数 → 公园总数,
    举办公园文化季活动超 → 举办公园文化季活动); None when what is left names no quantity (全市, 完成年度目标的)."""
    name = _ROW_EDGES.sub("", indicator.strip())
    if not 2 <= len(name) <= 14 or re.search(r"[、，,“”\"《》（）()：:；;]|[的由了和与及对在将把被]$|^[等和与及或对在将]", name):
        return None
    return name


def _placed(figure: Figure, sentence: str, offset: int, pos: int, ctx: _Context) -> Figure:
    return replace(
        figure, sentence=_window(sentence, pos).strip(), start=offset + pos, section=ctx.section.heading or None,
        period=period_label(figure, ctx.meta, ctx.plan_year, sentence),
    )


def _window(sentence: str, pos: int, limit: int = 80) -> str:
    if len(sentence) <= limit:
        return sentence
    start = max(0, pos - limit // 2)
    return sentence[start:start + limit]


def _ranks(sentence: str, ctx: _Context) -> list[tuple[int, Figure]]:
    out: list[tuple[int, Figure]] = []
    for m in RANK.finditer(sentence):
        subject = _subject(sentence, m.start())
        regions = [(m.start(3) - 1, m.group(2), m.group(3), m.end())]
        end = m.end()
        while more := RANK_MORE.match(sentence, end):
            regions.append((more.start(2) - 1, more.group(1), more.group(2), more.end()))
            end = more.end()
        for pos, region, number, _ in regions:
            out.append((pos, Figure(
                indicator=f"{FILLER.sub('', subject)}{region}排名", value=cn_number(number), unit="位次",
                period=None, kind="target" if ctx.section.part == "plan" else "actual", scope="local",
                sentence="", value_text=sentence[pos:pos + 1 + len(number)],
            )))
    return out


def _fractions(sentence: str, ctx: _Context) -> list[tuple[int, Figure]]:
    out: list[tuple[int, Figure]] = []
    for m in FRACTION.finditer(sentence):
        if m.group(1) and "占" not in sentence[max(0, m.start() - 10):m.start()]:
            continue  # 3/4 without 占 may be a date or a score
        if m.group(1):
            value = int(m.group(1)) / int(m.group(2)) if int(m.group(2)) else 0.0
        else:
            value = cn_number(m.group(4)) / cn_number(m.group(3))
        subject = _subject(sentence, m.start())
        out.append((m.start(), Figure(
            indicator=f"{FILLER.sub('', subject)}比重", value=round(value, 4), unit="比例", period=None,
            kind=_kind(sentence, m.start(), subject, "比例", ctx), scope="local", sentence="",
            value_text=m.group(0), qualifier=_prefix_qualifier(sentence[:m.start()]),
        )))
    return out


def period_label(figure: Figure, meta: DocMeta, plan_year: str | None, sentence: str) -> str | None:
    """"2019", "H1 2017", "Jan-Nov 2019" for actuals; the plan's year for targets."""
    if figure.kind == "target" and plan_year:
        return plan_year
    if meta.year is None:
        return None
    if m := re.search(r"1\s*[-—~至]\s*(\d{1,2})\s*月", sentence):
        month = int(m.group(1))
        if 1 <= month <= 12:
            return f"Jan-{MONTHS[month - 1]} {meta.year}"
    return f"H1 {meta.year}" if meta.period == "H1" else str(meta.year)
