"""What may enter the corpus and what may leave the machine: classified markings, personal data, and
instructions hidden in a document, which are data to quote and never orders to follow."""

import functools
import ipaddress
import re
import unicodedata
from urllib.parse import urlparse

CLASSIFIED = re.compile(r"(绝密|机密|秘密)\s*★|密\s*级\s*[:：]\s*(绝密|机密|秘密)|★\s*(绝密|机密|秘密)")
ID_CARD = re.compile(r"(?<![\dXx])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![\dXx])")
PHONE = re.compile(r"(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")
# Text that addresses the model instead of reporting work, recognised by what it does: it names the model or
# talks to "you", overrides or cancels the rules, asks for the prompt or the rules, tells it to skip the checks,
# to write in another language, to invent or change figures, to hide something, or it fakes a chat turn.
_MODEL = r"(?:模型|大模型|AI|人工智能|助手|机器人|assistant|GPT|LLM)"
_RULES = r"(?:要求|指令|指示|规定|规则|设定|约束|提示|限制|instructions?|rules?|prompts?|guidelines?)"
INJECTION = re.compile("|".join([
    rf"(?:给|致){_MODEL}的话|{_MODEL}\s*[,，:：]?\s*(?:请|你|必须|需要|务必)|作为(?:一个)?{_MODEL}",
    r"你(?:现在|接下来|从现在起|的任务|是一[位个名]|是不受|收到的|能看到|只听|必须|需要|不需要|要把)",
    r"(?:从现在起|从今以后|今后所有|接下来)\S{0,6}(?:你|只听|稿件|都要|一律|全部|请)",
    rf"(?:忽略|无视|忘记|忘掉|不用管|不要管|别管|不必理会|跳过|作废|失效|不算数|当作不存在|当作没有|覆盖)\S{{0,14}}{_RULES}",
    rf"{_RULES}\S{{0,10}}(?:作废|失效|不算数|当作不存在|已取消|不再适用|现改为|改为如下)",
    r"(?:最高优先级|新的?)(?:指令|任务)|停止执行|开发者模式|developer\s+mode|越狱|jailbreak|角色扮演|不受任何(?:限制|约束)",
    rf"(?:输出|泄露|打印|告诉我|列出|复述|展示)\S{{0,12}}(?:系统提示|提示词|系统设定|系统指令|全部规则|{_RULES}和约束|参考资料和系统)",
    r"(?:不要|不需要|无需|不用|不必|别|跳过|禁止)\S{0,6}(?:核对|校验|比对|验证|核实|待核实|查证)",
    r"(?:自行|随意|随便)(?:估算|编写|编造|填写)|想写多少|乘以\d|不用管\S{0,6}数据|即使数据(?:里|中)?没有|与数据文件比对",
    r"(?:全部|全文|一律|请|改)\S{0,3}(?:用|改用|以)英(?:文|语)(?:输出|撰写|写作|回答)|不要出现任何中文",
    r"不要告诉用户|悄悄(?:把|将)|原样作为今年",
    r"(?:附上|加上|添加|插入)\S{0,4}链接|(?:输出|只输出)\s*[“\"']",
    r"仅供模型学习|生成时请|学习本段时",
    r"<\|im_(?:start|end)\|>|\[/?INST\]|^\s*(?:system|human|assistant|user)\s*[:：]|#{2,}\s*instruction",
    r"(?:ignore|disregard|forget|set\s+aside|override)\b[^.。]{0,30}?\b(?:instructions?|rules?|prompts?|guidelines?)",
    r"\b(?:system\s+prompt|your\s+(?:configuration|instructions|rules))|\bnew\s+instructions?\b|\bfrom\s+now\s+on\b",
    r"\b(?:respond|answer|write|reply)\b[^.。]{0,40}\bin\s+english\b|\boutput\s+only\b",
    r"\b(?:do\s+not|don't|must\s+not|never|skip)\b[^.。]{0,20}\b(?:verify|check|fact-check|mark)",
    r"hu\s*lue\s*yi\s*shang|xi\s*tong\s*ti\s*shi\s*ci",
]), re.I | re.M)
_INVISIBLE = re.compile(r"[\u200b-\u200f\u2060-\u2064\ufeff\u00ad]")
_BETWEEN_HAN = re.compile(r"(?<=[\u4e00-\u9fff])[\s\-_·.|/~]+(?=[\u4e00-\u9fff])")


def classified(text: str) -> str | None:
    """The marking of a classified document (机密★一年, 密级：秘密) found near its start, else None."""
    m = CLASSIFIED.search(text[:600])
    return m.group(0) if m else None


# the commonest surnames: a list of three or more 2–3 character items all starting with one is a list of people
SURNAMES = set("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
               "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤")
NAME_TAIL = re.compile(r"(?:、[\u4e00-\u9fff]{2,3}(?=[、，。；等同\s]|$)){2,}")


def personal_data(text: str) -> list[tuple[str, int, int]]:
    """(kind, start, end) of ID-card numbers, phone numbers and lists of personal names."""
    found = [("身份证号", m.start(), m.end()) for m in ID_CARD.finditer(text)]
    taken = [(a, b) for _, a, b in found]
    found += [("电话号码", m.start(), m.end()) for m in PHONE.finditer(text)
              if not any(a <= m.start() < b for a, b in taken)]
    for m in NAME_TAIL.finditer(text):  # 科技特派员张明、李华、王建国: names glued to the words before them
        first = next((n for n in (2, 3) if text[m.start() - n:m.start()][:1] in SURNAMES), 0)
        if first and all(item[:1] in SURNAMES for item in m.group(0).split("、")[1:]):
            found.append(("人名", m.start() - first, m.end()))
    return sorted(found, key=lambda x: x[1])


def mask_personal(text: str) -> str:
    """ID-card and phone numbers replaced by a mark of their kind, keeping everything else."""
    for kind, start, end in reversed(personal_data(text)):
        text = text[:start] + f"〔{kind}已隐去〕" + text[end:]
    return text


def injections(text: str) -> list[str]:
    """Phrases that address the model rather than report work (忽略以上所有要求…, 请无视前述全部规定, Disregard
    all prior instructions …), found through the disguises a copy may carry: zero-width characters, full-width
    letters, traditional characters, spaces or dashes between the characters."""
    return [m.group(0) for m in INJECTION.finditer(_plain(text))]


def _plain(text: str) -> str:
    text = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text))
    return _BETWEEN_HAN.sub("", _simplified().convert(text))


@functools.cache
def _simplified():
    import opencc

    return opencc.OpenCC("t2s")


def is_local(url: str | None, also: list[str] | tuple[str, ...] = ()) -> bool:
    """A model endpoint on this machine, a private network, or a host the settings list as local."""
    host = urlparse(url or "").hostname or ""
    if host in ("localhost", "", *also) or host.endswith(".local"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private
