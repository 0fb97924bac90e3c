"""Requests to pay in crypto-assets or to move contact / payment off the platform (English and
Japanese). Each hit keeps the message itself so a reviewer reads it in context; a pattern
match is a reason to read, not a conclusion (people quote rules, or refuse such requests).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Sequence

from .readers import Message

# (id, category, language, pattern). Categories: crypto, offplatform_contact, offplatform_payment.
_PATTERNS: tuple[tuple[str, str, str, str], ...] = (
    ("crypto_terms", "crypto", "en",
     r"\b(bitcoin|btc|usdt|usdc|tether|ethereum|cryptocurrenc(?:y|ies)|crypto|trc-?20|erc-?20|bep-?20|"
     r"binance|metamask|stablecoin|wallet address)\b"),
    ("crypto_address_btc", "crypto", "any", r"\bbc1[a-z0-9]{25,62}\b"),
    ("crypto_address_eth", "crypto", "any", r"\b0x[a-fA-F0-9]{40}\b"),
    ("crypto_address_tron", "crypto", "any", r"\bT[1-9A-HJ-NP-Za-km-z]{33}\b"),
    ("crypto_terms_ja", "crypto", "ja",
     r"(暗号資産|仮想通貨|暗号通貨|ビットコイン|イーサリアム|テザー|ステーブルコイン|ウォレットアドレス)"),
    ("contact_apps", "offplatform_contact", "en",
     r"\b(whats\s?app|telegram|t\.me/\S+|wechat|skype|discord|viber|kakao\s?talk|line id|signal app)\b"),
    ("contact_directly", "offplatform_contact", "en",
     r"\b(contact|reach|message|text|email|call) me (directly|outside|privately|on my personal)\b|"
     r"\b(outside|off) (of )?(the |this )?(platform|site|app)\b|\boff-platform\b"),
    ("personal_email", "offplatform_contact", "any",
     r"\b[\w.+-]+@(gmail|yahoo|outlook|hotmail|protonmail|proton|icloud|qq|163)\.[a-z.]{2,6}\b"),
    ("contact_ja", "offplatform_contact", "ja",
     r"(直接(ご)?(連絡|やり取り|やりとり|契約|取引)|(プラットフォーム|サイト|アプリ)(の)?外|外部(の)?(連絡|ツール|アプリ)|"
     r"LINE(で|に|の|ID|を|交換)|テレグラム|ワッツアップ|個人的に(ご)?(連絡|取引|契約))"),
    ("pay_directly", "offplatform_payment", "en",
     r"\bpay (me )?(directly|outside|privately|via (paypal|wise|western union|bank transfer|zelle|cash ?app))\b|"
     r"\b(avoid|skip|save|without) (the )?(platform |site |service )?fees?\b|\bgift ?cards?\b|"
     r"\bwestern union\b|\bmoneygram\b|\bwire (it|the money|the payment) (to me )?directly\b"),
    ("pay_ja", "offplatform_payment", "ja",
     r"(直接(お)?(支払|支払い|振込|振り込み|送金)|手数料(を)?(避け|回避|節約|浮か|かからない)|ギフトカード|"
     r"(アマゾン|Amazon)ギフト|個人(の)?口座)"),
)
_COMPILED = tuple((pid, cat, lang, re.compile(p, re.IGNORECASE)) for pid, cat, lang, p in _PATTERNS)
CATEGORY_LABELS = {"crypto": "crypto-asset payment", "offplatform_contact": "contact off the platform",
                   "offplatform_payment": "payment off the platform"}


@dataclass(frozen=True)
class MessageHit:
    message: Message
    categories: tuple[str, ...]
    patterns: tuple[str, ...]
    matched: tuple[str, ...]  # the matched text fragments


def scan_message(text: str) -> list[tuple[str, str, str]]:
    """(pattern id, category, matched text) for every pattern found in ``text``."""
    out = []
    for pid, cat, _lang, rx in _COMPILED:
        m = rx.search(text)
        if m:
            out.append((pid, cat, m.group(0)))
    return out


def scan_messages(messages: Sequence[Message]) -> list[MessageHit]:
    hits = []
    for msg in messages:
        found = scan_message(msg.text)
        if found:
            hits.append(MessageHit(msg, tuple(dict.fromkeys(c for _, c, _ in found)),
                                   tuple(p for p, _, _ in found), tuple(t for _, _, t in found)))
    return hits
