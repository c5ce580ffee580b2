"""The one registry of connectors: network -> factory. Core code and third parties register the same way."""

from __future__ import annotations

from collections.abc import Callable

from goodwill.connectors.base import Capability, Connector
from goodwill.domain.enums import Network

Factory = Callable[[], Connector]
_factories: dict[str, Factory] = {}


def register(name: str, factory: Factory) -> None:
    """Register `factory` under `name` (a Network value, or another name for a test or local connector)."""
    _factories[name] = factory


def get(name: str | Network) -> Connector:
    key = name.value if isinstance(name, Network) else name
    try:
        return _factories[key]()
    except KeyError:
        known = ", ".join(sorted(_factories)) or "none"
        raise LookupError(f"no connector for {key!r} (registered: {known})") from None


def can(name: str | Network, capability: Capability) -> bool:
    key = name.value if isinstance(name, Network) else name
    return key in _factories and capability in _factories[key]().capabilities


def registered() -> list[str]:
    return sorted(_factories)
