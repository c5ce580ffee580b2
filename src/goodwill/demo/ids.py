"""Native ids shaped like each network's, drawn from the world's random generator (so a seed repeats them).

Time-ordered ids encode their time the way the network does: an X id decodes to its post's time with
`snowflake_time`, a Mastodon id is milliseconds shifted left 16 bits, a Bluesky record key is a TID.
"""

from __future__ import annotations

import base64
import hashlib
import random
from collections.abc import Callable
from datetime import datetime

X_EPOCH_MS = 1288834974657
B32_SORTABLE = "234567abcdefghijklmnopqrstuvwxyz"  # the alphabet of atproto TIDs
B32 = "abcdefghijklmnopqrstuvwxyz234567"  # multibase base32 (DIDs, CIDs)
URLSAFE = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def _ms(at: datetime) -> int:
    return int(at.timestamp() * 1000)


class Ids:
    """Hands out unique ids of every shape the world needs."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._used: set[str] = set()
        self._wp = 1041

    def _unique(self, make: Callable[[], str]) -> str:
        for _ in range(1000):
            value = make()
            if value not in self._used:
                self._used.add(value)
                return value
        raise RuntimeError("could not draw a unique id")  # pragma: no cover - 1000 collisions in a row

    def digits(self, n: int, first: str = "") -> str:
        return self._unique(lambda: first + "".join(self.rng.choice("0123456789") for _ in range(n - len(first))))

    def chars(self, alphabet: str, n: int, prefix: str = "") -> str:
        return self._unique(lambda: prefix + "".join(self.rng.choice(alphabet) for _ in range(n)))

    # X -----------------------------------------------------------------------------------------------------
    def x_post(self, at: datetime) -> str:
        return self._unique(lambda: str(((_ms(at) - X_EPOCH_MS) << 22) | self.rng.getrandbits(22)))

    def x_user(self) -> str:
        if self.rng.random() < 0.45:  # accounts from before 2015 have short ids
            return self.digits(self.rng.randint(8, 10), first=str(self.rng.randint(1, 9)))
        return self._unique(lambda: str(self.rng.randint(10**17, 1_750_000_000_000_000_000)))

    # Mastodon ----------------------------------------------------------------------------------------------
    def mastodon_status(self, at: datetime) -> str:
        return self._unique(lambda: str((_ms(at) << 16) | self.rng.getrandbits(16)))

    def mastodon_account(self) -> str:
        return self._unique(
            lambda: str((self.rng.randint(1_480_000_000_000, 1_720_000_000_000) << 16) | self.rng.getrandbits(16))
        )

    # Bluesky -----------------------------------------------------------------------------------------------
    def tid(self, at: datetime) -> str:
        def make() -> str:
            value = (int(at.timestamp() * 1_000_000) << 10) | self.rng.getrandbits(10)
            out = []
            for _ in range(13):
                out.append(B32_SORTABLE[value & 31])
                value >>= 5
            return "".join(reversed(out))

        return self._unique(make)

    def did(self) -> str:
        return self.chars(B32, 24, prefix="did:plc:")

    def cid(self) -> str:
        return self.chars(B32, 52, prefix="bafyrei")

    # Meta --------------------------------------------------------------------------------------------------
    def meta_mid(self) -> str:
        return self.chars(URLSAFE, 86, prefix="m_")

    def ig_mid(self, account: str) -> str:
        def make() -> str:
            inner = f"ig_message_item:1:IGMessageThread:{account}:{self.rng.getrandbits(63)}"
            return base64.urlsafe_b64encode(inner.encode()).decode().rstrip("=")

        return self._unique(make)

    def ig_thread(self, account: str, other: str) -> str:
        inner = f"ig_thread:1:{account}:{other}"
        return base64.urlsafe_b64encode(inner.encode()).decode().rstrip("=")

    # Blog --------------------------------------------------------------------------------------------------
    def wp_comment(self) -> int:
        self._wp += self.rng.randint(1, 4)  # WordPress ids climb; spam deleted in between leaves holes
        return self._wp


def gravatar(email: str, size: int = 96) -> str:
    digest = hashlib.md5(email.strip().lower().encode(), usedforsecurity=False).hexdigest()
    return f"https://secure.gravatar.com/avatar/{digest}?s={size}&d=mm&r=g"


def email_hash(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()
