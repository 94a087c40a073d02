"""Who may sign in to the workbench: a users file of salted scrypt hashes (`drafter users add`), older lines of an
unsalted SHA-256 still read, and a check that locks a name out after repeated wrong passwords."""

import base64
import hashlib
import hmac
import os
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path

from drafter.errors import ConfigError

SCRYPT = {"n": 2**14, "r": 8, "p": 1}  # about 50 ms and 16 MB per check: guessing is slow, signing in is not
MAX_FAILURES = 5  # wrong passwords for one name before it is locked
LOCKOUT_SECONDS = 60.0  # the first lock; each further lock of the same name doubles it
_LINE = re.compile(r"(?P<user>[^:\s]+)\s*:\s*(?P<hash>scrypt\$\d+\$\d+\$\d+\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+|[0-9a-fA-F]{64})")


def hash_password(password: str) -> str:
    """`scrypt$n$r$p$salt$digest` (base64) with a fresh random salt."""
    salt = os.urandom(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, dklen=32, **SCRYPT)
    b64 = base64.b64encode
    return f"scrypt${SCRYPT['n']}${SCRYPT['r']}${SCRYPT['p']}${b64(salt).decode()}${b64(digest).decode()}"


def verify(stored: str, password: str) -> bool:
    """The password against a stored hash, in constant time; an unsalted SHA-256 digest of an older file too."""
    if not stored.startswith("scrypt$"):
        return hmac.compare_digest(stored.lower(), hashlib.sha256(password.encode("utf-8")).hexdigest())
    _, n, r, p, salt, digest = stored.split("$")
    again = hashlib.scrypt(password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                           dklen=len(base64.b64decode(digest)))
    return hmac.compare_digest(again, base64.b64decode(digest))


def read_users(path: Path) -> dict[str, str]:
    """user → stored hash, from a file of `user:hash` lines (# comments allowed)."""
    try:
        lines = Path(path).read_text("utf-8").splitlines()
    except OSError as e:
        raise ConfigError(f"无法读取登录用户文件 {path}（{e.strerror or e}）。请检查 DRAFTER_UI_AUTH。") from e
    users = {}
    for n, line in enumerate(map(str.strip, lines), 1):
        if not line or line.startswith("#"):
            continue
        m = _LINE.fullmatch(line)
        if not m:
            raise ConfigError(f"{path} 第{n}行不是“用户名:密码散列”。请用 drafter users add 用户名 --file {path} 添加用户。")
        users[m["user"]] = m["hash"]
    if not users:
        raise ConfigError(f"{path} 中没有任何用户。请用 drafter users add 用户名 --file {path} 添加用户。")
    return users


def add_user(path: Path, user: str, password: str) -> None:
    """Add a user or change their password; the file is rewritten whole (never half) and readable by its owner only."""
    if not re.fullmatch(r"[^:\s]{1,64}", user or ""):
        raise ConfigError(f"用户名“{user}”不能含空格或冒号，且不超过 64 个字符。")
    if len(password) < 8:
        raise ConfigError("密码至少 8 个字符。")
    path = Path(path)
    lines = path.read_text("utf-8").splitlines() if path.exists() else ["# drafter 登录用户：用户名:scrypt 散列（drafter users add 生成）"]
    lines = [line for line in lines if not line.strip().startswith(f"{user}:")] + [f"{user}:{hash_password(password)}"]
    part = path.with_name(f".{path.name}.part")
    part.write_text("\n".join(lines) + "\n", "utf-8")
    part.chmod(0o600)
    os.replace(part, path)


def sign_in(users: dict[str, str], clock: Callable[[], float] = time.monotonic) -> Callable[[str, str], bool]:
    """Gradio's sign-in check. A name with MAX_FAILURES wrong passwords in a row is locked for LOCKOUT_SECONDS
    (doubling each time); while locked even the right password is refused. Unknown names cost the same time."""
    failures: dict[str, int] = {}
    locks: dict[str, tuple[float, int]] = {}  # name → (locked until, times locked)
    guard = threading.Lock()
    dummy = hash_password(os.urandom(8).hex())

    def check(user: str, password: str) -> bool:
        with guard:
            until, times = locks.get(user, (0.0, 0))
            if clock() < until:
                return False
        ok = verify(users.get(user, dummy), password) and user in users
        with guard:
            if ok:
                failures.pop(user, None)
                return True
            failures[user] = failures.get(user, 0) + 1
            if failures[user] >= MAX_FAILURES:
                failures[user] = 0
                locks[user] = (clock() + LOCKOUT_SECONDS * 2 ** times, times + 1)
        return False
    return check
