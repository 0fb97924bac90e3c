"""Platform account history: profile churn, payout names, shared documents and payout accounts.

Field names are matched after lower-casing; common spellings are grouped (``FIELD_GROUPS``).
A row whose ``old_value`` is empty sets a value for the first time and is not a "change".
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from itertools import permutations
from typing import Iterable, Sequence

from .clusters import SharedValue
from .readers import AccountChange

FIELD_GROUPS: dict[str, tuple[str, ...]] = {
    "name": ("name", "full_name", "legal_name", "display_name", "real_name"),
    "email": ("email", "email_address", "contact_email"),
    "phone": ("phone", "phone_number", "mobile", "telephone"),
    "address": ("address", "postal_address"),
    "payout_account": ("payout_account", "bank_account", "payout_method", "payout_account_number", "iban",
                       "wallet", "paypal", "payoneer"),
    "payout_name": ("payout_name", "payout_account_name", "bank_account_name", "account_holder", "payee_name"),
    "id_document_number": ("id_document_number", "id_document", "document_number", "passport_number", "id_number",
                           "national_id", "license_number"),
}
_GROUP_OF = {alias: group for group, aliases in FIELD_GROUPS.items() for alias in aliases}
CHANGE_GROUPS = ("name", "email", "phone", "address", "payout_account", "payout_name")


def field_group(name: str) -> str:
    return _GROUP_OF.get(name, name)


@dataclass(frozen=True)
class ChangeBurst:
    account: str
    start: float
    end: float
    changes: tuple[AccountChange, ...]

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(field_group(c.field) for c in self.changes))


def profile_change_bursts(changes: Sequence[AccountChange], window_s: float, limit: int,
                          payout_limit: int = 2) -> list[ChangeBurst]:
    """Per account, the busiest window with at least ``limit`` name / contact / payout changes,
    or ``payout_limit`` payout changes."""
    by_account: dict[str, list[AccountChange]] = {}
    for c in changes:
        if field_group(c.field) in CHANGE_GROUPS and c.old_value and c.old_value != c.new_value:
            by_account.setdefault(c.account_id, []).append(c)
    out = []
    for account, items in sorted(by_account.items()):
        items.sort(key=lambda c: c.timestamp)
        best: tuple[int, int, int] | None = None  # (score, lo, hi)
        lo = 0
        for hi in range(len(items)):
            while items[hi].timestamp - items[lo].timestamp > window_s:
                lo += 1
            window = items[lo:hi + 1]
            n_pay = sum(field_group(c.field) in ("payout_account", "payout_name") for c in window)
            if len(window) >= limit or n_pay >= payout_limit:
                score = len(window) + n_pay
                if best is None or score > best[0]:
                    best = (score, lo, hi)
        if best is not None:
            burst = tuple(items[best[1]:best[2] + 1])
            out.append(ChangeBurst(account, burst[0].timestamp, burst[-1].timestamp, burst))
    return out


def latest_values(changes: Iterable[AccountChange], group: str) -> dict[str, AccountChange]:
    """account -> its latest change of a field in ``group``."""
    out: dict[str, AccountChange] = {}
    for c in sorted(changes, key=lambda c: c.timestamp):
        if field_group(c.field) == group and c.new_value:
            out[c.account_id] = c
    return out


# --------------------------------------------------------------------------- names
_PUNCT = re.compile(r"[\s\.\,\-\u30fb\u00b7'’_()（）]+")
_KANJI = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf]")
_KANA = re.compile(r"^[\u3040-\u30ff\u30fc\s]+$")
_HONORIFICS = {"mr", "mrs", "ms", "miss", "dr", "様", "さま", "殿"}


def _hira_to_kata(s: str) -> str:
    return "".join(chr(ord(ch) + 0x60) if "\u3041" <= ch <= "\u3096" else ch for ch in s)


def name_tokens(name: str) -> tuple[str, ...]:
    """Comparable tokens: NFKC (full/half-width), case-folded, kana unified, honorifics dropped."""
    s = _hira_to_kata(unicodedata.normalize("NFKC", name)).casefold()
    tokens = [t for t in _PUNCT.split(s) if t and t not in _HONORIFICS]
    return tuple(sorted(tokens))


def names_match(a: str, b: str) -> bool | None:
    """True / False, or None when the two cannot be compared (kana reading vs kanji spelling)."""
    ta, tb = name_tokens(a), name_tokens(b)
    if not ta or not tb:
        return None
    if ta == tb:
        return True
    # "Yamada Taro" vs "TARO YAMADA" vs "YamadaTaro": same tokens in any order, spaces optional
    joined_a = {"".join(p) for p in permutations(ta)} if len(ta) <= 4 else {"".join(ta)}
    joined_b = {"".join(p) for p in permutations(tb)} if len(tb) <= 4 else {"".join(tb)}
    if joined_a & joined_b:
        return True
    na, nb = unicodedata.normalize("NFKC", a), unicodedata.normalize("NFKC", b)
    if (_KANA.match(na) and _KANJI.search(nb)) or (_KANA.match(nb) and _KANJI.search(na)):
        return None  # a bank's katakana reading cannot be checked against a kanji name offline
    return False


# --------------------------------------------------------------------------- shared values
def normalize_document(value: str) -> str:
    return re.sub(r"[\s\-_/\.]", "", unicodedata.normalize("NFKC", value)).upper()


def normalize_payout(value: str) -> str:
    return re.sub(r"[\s\-_]", "", unicodedata.normalize("NFKC", value)).casefold()


def shared_history_values(changes: Sequence[AccountChange], group: str, source_name: str) -> list[SharedValue]:
    """Values of a field group (any value ever set, not only the latest) held by 2+ accounts."""
    norm = normalize_document if group == "id_document_number" else normalize_payout
    holders: dict[str, dict[str, int]] = {}
    shown: dict[str, str] = {}
    for c in changes:
        if field_group(c.field) != group:
            continue
        for v in (c.new_value, c.old_value):
            if not v:
                continue
            key = norm(v)
            if len(key) < 4:  # too short to identify anything
                continue
            holders.setdefault(key, {}).setdefault(c.account_id, c.line)
            shown.setdefault(key, v)
    kind = {"id_document_number": "document_number"}.get(group, group)
    out = []
    for key, accounts in holders.items():
        if len(accounts) >= 2:
            out.append(SharedValue(kind, shown[key], tuple(sorted(accounts)),
                                   tuple(f"{source_name}:{line}" for _, line in sorted(accounts.items())[:5])))
    out.sort(key=lambda sv: (-len(sv.accounts), sv.value))
    return out
