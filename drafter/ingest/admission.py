"""What may enter the corpus and what may leave the machine: classified markings, personal data, and
instructions hidden in a document, which are data to quote and never orders to follow."""

import ipaddress
import re
from urllib.parse import urlparse

CLASSIFIED = re.compile(r"(绝密|机密|秘密)\s*★|密\s*级\s*[:：]\s*(绝密|机密|秘密)|★\s*(绝密|机密|秘密)")
ID_CARD = re.compile(r"(?<![\dXx])[1-9]\d{5}(?:19|20)\d{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])\d{3}[\dXx](?![\dXx])")
PHONE = re.compile(r"(?<!\d)(?:1[3-9]\d{9}|0\d{2,3}-?\d{7,8})(?!\d)")
INJECTION = re.compile(
    r"忽略(?:以上|上述|前面|之前|此前)?(?:所有|全部)?的?(?:要求|指令|提示|规则|设定)|无视(?:以上|上述|之前)?(?:所有)?(?:要求|指令|规则)"
    r"|你现在(?:是|扮演)|(?:输出|泄露|打印)(?:你的)?(?:系统)?提示词|system\s*prompt"
    r"|ignore\s+(?:all\s+)?(?:the\s+)?(?:previous|above|prior)\s+(?:instructions|prompts?)", re.I)


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
    """Sentences that address the model rather than report work (忽略以上所有要求…)."""
    return [m.group(0) for m in INJECTION.finditer(text)]


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
