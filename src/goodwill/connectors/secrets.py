"""Channel credentials, encrypted at rest with a key from the environment.

`GOODWILL_SECRET_KEY` holds one key, or several separated by commas (the first encrypts, every one decrypts:
rotate by putting the new key first and re-saving). A key is either a Fernet key (32 url-safe base64 bytes,
`goodwill secret-key` or `Fernet.generate_key()` makes one) or any passphrase of 32 characters or more, which is
stretched with HKDF-SHA256. Outside development (`GOODWILL_ENV=development`) a missing, short or placeholder
key is refused rather than used: a leaked database must not give away every connected account.
"""

from __future__ import annotations

import base64
import binascii
import os
from typing import Any

import orjson
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

ENV_KEY = "GOODWILL_SECRET_KEY"
ENV_MODE = "GOODWILL_ENV"
# Used only when GOODWILL_ENV=development and no key is set; never in production.
DEVELOPMENT_KEY = "goodwill-development-key-not-secret-do-not-use-in-production"
PLACEHOLDERS = frozenset(
    {"", "changeme", "change-me", "change_me", "secret", "password", "dev", "development", "test", "xxx", "todo"}
)
MIN_PASSPHRASE = 32


class SecretKeyError(RuntimeError):
    """The credential key is missing, a placeholder, too short, or not the key the credentials were sealed with."""


def _is_development() -> bool:
    return os.environ.get(ENV_MODE, "").strip().lower() in ("development", "dev")


def _fernet_for(key: str) -> Fernet:
    try:
        raw = base64.urlsafe_b64decode(key.encode())
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) == 32 and len(key) == 44:
        return Fernet(key.encode())
    stretched = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"goodwill-credentials", info=b"fernet").derive(
        key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(stretched))


def _keys(environ: dict[str, str] | None = None) -> list[str]:
    env = os.environ if environ is None else environ
    given = [k.strip() for k in env.get(ENV_KEY, "").split(",") if k.strip()]
    if not given:
        if _is_development():
            return [DEVELOPMENT_KEY]
        raise SecretKeyError(
            f"{ENV_KEY} is not set: channel credentials are encrypted with it. Generate one with "
            f"`goodwill secret-key` and set it in the environment (or set {ENV_MODE}=development to use a "
            "throw-away development key)"
        )
    if not _is_development():
        for key in given:
            if key.lower() in PLACEHOLDERS or key == DEVELOPMENT_KEY:
                raise SecretKeyError(f"{ENV_KEY} is a placeholder value: set a real key (`goodwill secret-key`)")
            if len(key) < MIN_PASSPHRASE:
                raise SecretKeyError(
                    f"{ENV_KEY} is too short ({len(key)} characters): use a Fernet key or a passphrase of at least "
                    f"{MIN_PASSPHRASE} characters"
                )
    return given


def cipher(environ: dict[str, str] | None = None) -> MultiFernet:
    return MultiFernet([_fernet_for(key) for key in _keys(environ)])


def generate_key() -> str:
    return Fernet.generate_key().decode()


def seal(credentials: dict[str, Any], *, environ: dict[str, str] | None = None) -> bytes:
    """Encrypt a credentials mapping for `Channel.credentials`."""
    return cipher(environ).encrypt(orjson.dumps(credentials))


def unseal(token: bytes | None, *, environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Decrypt `Channel.credentials`; an empty column gives {}."""
    if not token:
        return {}
    try:
        data = orjson.loads(cipher(environ).decrypt(bytes(token)))
    except InvalidToken:
        raise SecretKeyError(
            f"the channel's credentials cannot be decrypted with {ENV_KEY}: the key changed. Put the old key "
            "after the new one (comma-separated), or reconnect the channel"
        ) from None
    if not isinstance(data, dict):
        raise SecretKeyError("stored credentials are not a mapping")
    return data
