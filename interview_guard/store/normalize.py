"""Normalise linkable values so the same email, phone or document number matches across cases.

Kept deliberately conservative: a false link between two candidates costs a reviewer's time,
so only formatting (case, spaces, punctuation) is removed, never content.
"""
from __future__ import annotations

import ipaddress
import re
from typing import Any

import numpy as np

BIOMETRIC_KINDS = frozenset({"face_embedding", "voice_embedding"})

_SPACES = re.compile(r"\s+")
_PHONE_JUNK = re.compile(r"[^\d+]")
_ID_JUNK = re.compile(r"[\s\-_.,/:<]+")


def is_vector_kind(kind: str) -> bool:
    return kind.endswith("_embedding")


def is_biometric(kind: str) -> bool:
    return kind in BIOMETRIC_KINDS or is_vector_kind(kind)


def normalize_value(kind: str, value: Any) -> str:
    """The matching key of a string link value (``ValueError`` for an empty one)."""
    if value is None:
        raise ValueError(f"link {kind!r} has no value")
    text = _SPACES.sub(" ", str(value)).strip()
    if not text:
        raise ValueError(f"link {kind!r} has an empty value")
    if kind == "email":
        return text.replace(" ", "").lower()
    if kind == "phone":
        return _normalize_phone(text)
    if kind == "ip":
        try:
            return str(ipaddress.ip_address(text.strip("[]")))
        except ValueError:
            return text.lower()
    if kind in ("document_number", "payout_account"):
        # "AB 12-345 678" and "ab12345678" are the same document; MRZ fillers '<' too.
        return _ID_JUNK.sub("", text).lower()
    if kind == "profile_link":
        return _normalize_url(text)
    return text.lower()


def _normalize_phone(text: str) -> str:
    digits = _PHONE_JUNK.sub("", text)
    plus = digits.startswith("+")
    digits = digits.replace("+", "")
    if not plus and digits.startswith("00"):  # 0049... is the international +49...
        digits, plus = digits[2:], True
    if not digits:
        raise ValueError(f"phone link {text!r} has no digits")
    return ("+" if plus else "") + digits


def _normalize_url(text: str) -> str:
    s = text.lower().replace(" ", "")
    s = re.sub(r"^[a-z][a-z0-9+.-]*://", "", s)
    s = s.removeprefix("www.")
    s = s.split("#", 1)[0].split("?", 1)[0]
    return s.rstrip("/")


def to_vector(kind: str, value: Any) -> np.ndarray:
    """A finite, non-zero float32 vector (``ValueError`` otherwise)."""
    try:
        vec = np.asarray(value, dtype=np.float32).reshape(-1)
    except (TypeError, ValueError):
        raise ValueError(f"link {kind!r} must be a list of numbers") from None
    if vec.size == 0:
        raise ValueError(f"link {kind!r} is an empty vector")
    if not np.all(np.isfinite(vec)):
        raise ValueError(f"link {kind!r} contains NaN or infinity")
    if not np.any(vec):
        raise ValueError(f"link {kind!r} is an all-zero vector")
    return vec
