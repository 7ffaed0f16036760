"""Team-server accounts in the `users` table: create, list, remove, change password or role,
and check a login with a lockout against password guessing.

Only this module writes the table. Passwords are kept as salted scrypt hashes
(werkzeug.security); a login failure says the same thing whether the name or the
password was wrong, and takes as long.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache

import sqlite_utils
from werkzeug.security import check_password_hash, generate_password_hash

from workbench.errors import DomainError, ErrorKind

REVIEWER, ADMIN = "reviewer", "admin"
ROLES = (REVIEWER, ADMIN)
MIN_PASSWORD_LENGTH = 8
MAX_PASSWORD_LENGTH = 1024
LOCK_AFTER_FAILURES = 5
FIRST_LOCK = timedelta(minutes=5)
LONGEST_LOCK = timedelta(hours=1)
NAME_PATTERN = re.compile(r"[\w][\w .@'-]{0,59}")
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"


class AccountError(DomainError):
    """A user command or login that cannot be done; the message says why."""


class UnknownAccount(AccountError):
    """No account of that name."""

    kind = ErrorKind.NOT_FOUND


class AccountExists(AccountError):
    """An account of that name already exists (names ignore case)."""

    kind = ErrorKind.CONFLICT


class LoginRefused(AccountError):
    """Wrong name or password (deliberately not saying which)."""

    kind = ErrorKind.REFUSED


class AccountLocked(AccountError):
    """Too many wrong passwords in a row: the account refuses logins for a while."""

    kind = ErrorKind.TOO_MANY_ATTEMPTS

    def __init__(self, name: str, until: datetime) -> None:
        self.until = until
        super().__init__(
            f"too many wrong passwords for {name!r}: try again after "
            f"{until.strftime('%H:%M:%S')} UTC (or ask an admin to set a new password)"
        )

    def seconds_left(self, at: datetime | None = None) -> int:
        return max(1, int((self.until - (at or _now())).total_seconds()) + 1)


@dataclass(frozen=True)
class Account:
    """A signed-in person as the web layer sees them (never the password hash)."""

    id: int
    name: str
    role: str
    session_epoch: int

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    def as_json(self) -> dict:
        return {"name": self.name, "role": self.role}


@cache
def _dummy_hash() -> str:
    """Checked against when the name is unknown: a wrong name takes as long as a wrong
    password, so timing does not tell which names exist."""
    return generate_password_hash("not the password of anyone", method="scrypt")


def _now() -> datetime:
    return datetime.now(UTC)


def _stamp(at: datetime) -> str:
    return at.astimezone(UTC).strftime(_TIME_FORMAT)


def _parse(stamp: str) -> datetime:
    return datetime.strptime(stamp, _TIME_FORMAT).replace(tzinfo=UTC)


def _account(row: dict) -> Account:
    return Account(row["id"], row["name"], row["role"], row["session_epoch"])


def _row(db: sqlite_utils.Database, name: str) -> dict | None:
    rows = list(db.query("select * from users where name = ? collate nocase", [name.strip()]))
    return rows[0] if rows else None


def _existing(db: sqlite_utils.Database, name: str) -> dict:
    row = _row(db, name)
    if row is None:
        raise UnknownAccount(f"there is no account named {name!r} (`workbench user list`)")
    return row


def get(db: sqlite_utils.Database, name: str) -> Account:
    """The account of that name (any case), or UnknownAccount."""
    return _account(_existing(db, name))


def exists(db: sqlite_utils.Database, name: str) -> bool:
    return _row(db, name) is not None


def check_name(name: str) -> str:
    """The account name, trimmed; it is what the history records next to each change."""
    name = (name or "").strip()
    if not NAME_PATTERN.fullmatch(name):
        raise AccountError(
            "an account name is 1 to 60 characters: letters, digits, spaces and . @ ' - _, "
            "starting with a letter or digit"
        )
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise AccountError(f"the role is {' or '.join(ROLES)}, not {role!r}")
    return role


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password has at least {MIN_PASSWORD_LENGTH} characters")
    if len(password) > MAX_PASSWORD_LENGTH:
        raise AccountError(f"a password has at most {MAX_PASSWORD_LENGTH} characters")
    return password


def add(db: sqlite_utils.Database, name: str, password: str, role: str = REVIEWER) -> Account:
    """Create an account; the password is stored as a salted hash only."""
    name, role, password = check_name(name), check_role(role), check_password(password)
    if _row(db, name) is not None:
        raise AccountExists(f"an account named {name!r} already exists")
    stamp = _stamp(_now())
    with db.atomic():
        db.execute(
            "insert into users (name, role, password_hash, created, updated) "
            "values (?, ?, ?, ?, ?)",
            [name, role, generate_password_hash(password, method="scrypt"), stamp, stamp],
        )
    return _account(_existing(db, name))


def accounts(db: sqlite_utils.Database) -> list[dict]:
    """Every account without its password hash, by name."""
    return list(db.query(
        "select name, role, created, last_login, failed_logins, locked_until from users "
        "order by name collate nocase"
    ))


def admin_count(db: sqlite_utils.Database) -> int:
    return db.execute("select count(*) from users where role = ?", [ADMIN]).fetchone()[0]


def _refuse_last_admin(db: sqlite_utils.Database, row: dict, what: str) -> None:
    if row["role"] == ADMIN and admin_count(db) == 1:
        raise AccountError(
            f"{row['name']!r} is the only admin: {what} would leave nobody able to import; "
            "make another account admin first"
        )


def remove(db: sqlite_utils.Database, name: str) -> None:
    """Delete an account; its name stays in the history of the changes it made."""
    row = _existing(db, name)
    _refuse_last_admin(db, row, "removing it")
    with db.atomic():
        db.execute("delete from users where id = ?", [row["id"]])


def set_role(db: sqlite_utils.Database, name: str, role: str) -> Account:
    """Change a role; it takes effect on the account's next request."""
    row, role = _existing(db, name), check_role(role)
    if role != ADMIN:
        _refuse_last_admin(db, row, "making it a reviewer")
    with db.atomic():
        db.execute("update users set role = ?, updated = ? where id = ?",
                   [role, _stamp(_now()), row["id"]])
    return _account(_existing(db, name))


def set_password(db: sqlite_utils.Database, name: str, password: str) -> None:
    """A new password: ends the account's sessions everywhere and lifts any lockout."""
    row, password = _existing(db, name), check_password(password)
    with db.atomic():
        db.execute(
            "update users set password_hash = ?, session_epoch = session_epoch + 1, "
            "failed_logins = 0, locked_until = null, updated = ? where id = ?",
            [generate_password_hash(password, method="scrypt"), _stamp(_now()), row["id"]],
        )


def end_sessions(db: sqlite_utils.Database, account_id: int) -> None:
    """Invalidate every session cookie of the account (logout: a copied cookie dies too)."""
    with db.atomic():
        db.execute("update users set session_epoch = session_epoch + 1 where id = ?",
                   [account_id])


def by_id(db: sqlite_utils.Database, account_id: int) -> Account | None:
    rows = list(db.query("select * from users where id = ?", [account_id]))
    return _account(rows[0]) if rows else None


def lock_duration(failures: int) -> timedelta:
    """Five minutes after the fifth failure in a row, doubling with each further one."""
    doublings = min(failures - LOCK_AFTER_FAILURES, 8)
    return min(FIRST_LOCK * (2 ** doublings), LONGEST_LOCK)


def verify(db: sqlite_utils.Database, name: str, password: str,
           at: datetime | None = None) -> Account:
    """The account if the password is right; each failure is counted in the database, and
    after LOCK_AFTER_FAILURES in a row the account refuses even the right password for a
    while (so guessing is slow whatever the number of server threads or restarts)."""
    at = at or _now()
    row = _row(db, name) if name and len(name) <= 200 else None
    if row is None:
        check_password_hash(_dummy_hash(), password or "")
        raise LoginRefused("wrong account name or password")
    if row["locked_until"] and _parse(row["locked_until"]) > at:
        raise AccountLocked(row["name"], _parse(row["locked_until"]))
    if len(password or "") <= MAX_PASSWORD_LENGTH and \
            check_password_hash(row["password_hash"], password or ""):
        with db.atomic():
            db.execute(
                "update users set failed_logins = 0, locked_until = null, last_login = ? "
                "where id = ?", [_stamp(at), row["id"]],
            )
        return _account(row)
    with db.atomic():  # counted in SQL: concurrent guesses cannot overwrite each other's count
        db.execute("update users set failed_logins = failed_logins + 1 where id = ?", [row["id"]])
        failures = db.execute("select failed_logins from users where id = ?",
                              [row["id"]]).fetchone()[0]
        if failures >= LOCK_AFTER_FAILURES:
            db.execute("update users set locked_until = ? where id = ?",
                       [_stamp(at + lock_duration(failures)), row["id"]])
    raise LoginRefused("wrong account name or password")
