"""Optional generative drafting through any OpenAI-compatible endpoint (`POST {base_url}/chat/completions`):
a local llama.cpp or Ollama server, or a hosted one. Off by default.

Grounded: the prompt holds the conversation's last turns, the brand's approved library answers that fit, the
person's name, the network's limit and the brand's rules; the draft is fitted to the limit and always goes
through the tone guard, and it is only ever a suggestion (a teammate sends it).

Configuration is workspace policy in Workspace.settings["drafting"]; the API key is never stored: the
policy names an environment variable of the server process that holds it (`api_key_env`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from sqlalchemy.orm import Session

from goodwill.actions.activity import check_can_manage, utcnow
from goodwill.actions.audit import Acting
from goodwill.actions.workspaces import do_write_settings
from goodwill.replies.context import Situation, situation
from goodwill.replies.length import measure, truncate
from goodwill.replies.library import list_saved_replies, match_score
from goodwill.replies.suggest import Suggestion, when_phrase
from goodwill.replies.tone import Level, check_draft
from goodwill.store.tables import Conversation, Workspace


class DraftingOff(RuntimeError):
    """Generative drafting is not enabled for this workspace."""


class DraftingFailed(RuntimeError):
    """The endpoint did not answer with a usable draft."""


@dataclass(frozen=True, slots=True)
class DraftingConfig:
    enabled: bool = False
    base_url: str = ""  # e.g. http://127.0.0.1:8080/v1 (llama.cpp), http://127.0.0.1:11434/v1 (Ollama)
    model: str = ""
    api_key_env: str = ""  # the name of an environment variable holding the key; "" sends none
    timeout: float = 20.0
    temperature: float = 0.4

    @classmethod
    def of(cls, workspace: Workspace) -> DraftingConfig:
        raw: dict[str, Any] = (workspace.settings or {}).get("drafting") or {}
        return cls(**{k: v for k, v in raw.items() if k in cls.__dataclass_fields__})

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def do_set_drafting(session: Session, workspace: Workspace, *, acting: Acting, **changes: Any) -> DraftingConfig:
    """Change the drafting policy (owners and admins). Enabling needs a base URL and a model."""
    check_can_manage(session, workspace, acting)
    unknown = set(changes) - set(DraftingConfig.__dataclass_fields__)
    if unknown:
        raise ValueError(f"unknown drafting setting(s): {', '.join(sorted(unknown))}")
    config = DraftingConfig(**{**DraftingConfig.of(workspace).as_dict(), **changes})
    if config.enabled and not (config.base_url.startswith(("http://", "https://")) and config.model):
        raise ValueError("drafting needs base_url (http:// or https://) and model before it is enabled")
    do_write_settings(
        session, workspace, {"drafting": config.as_dict()}, action="replies.drafting", acting=acting, data=changes
    )
    return config


RULES = (
    "You write one reply for {brand}'s social media team, as a person, not as an ad.",
    "Be warm and specific to what the customer said; use their first name ({name}) if given.",
    "For a complaint: apologise and name the problem, offer to continue by {contact}, say when you will follow up"
    " ({when}).",
    "For praise: thank them for exactly what they praised. For a question: answer only from the approved answers,"
    " otherwise say you will check and reply {when}.",
    "Never sell, never add discounts or links that are not in the approved answers, never blame the customer,"
    " never ask for private details (order number, e-mail, address) in a public reply.",
    "At most {limit} characters. Reply with the reply's text only.",
)


def build_messages(sit: Situation, answers: list[str], now: datetime) -> list[dict[str, str]]:
    """The chat messages sent to the endpoint: the brand's rules, then the conversation and approved answers."""
    values = {
        "brand": sit.workspace.name,
        "name": sit.first_name or "unknown",
        "contact": "direct message" if sit.style.contact.upper() == "DM" else sit.style.contact,
        "when": when_phrase(sit, now),
        "limit": sit.limit or 1000,
    }
    system = " ".join(rule.format(**values) for rule in RULES)
    if not sit.public:
        system += " This is a private conversation."
    turns = "\n".join(f"{'Customer' if d == 'in' else 'Brand'}: {t}" for d, t in sit.history[-10:])
    user = f"Conversation on {sit.network} (newest last):\n{turns}\n"
    if sit.intent:
        user += f"\nThe last message was classified as: {sit.intent}.\n"
    if answers:
        user += "\nApproved answers you may use:\n" + "\n".join(f"- {a}" for a in answers) + "\n"
    if sit.open_issues:
        user += f"\nThe customer also has {len(sit.open_issues)} other open complaint(s).\n"
    return [{"role": "system", "content": system}, {"role": "user", "content": user + "\nWrite the reply."}]


def _complete(config: DraftingConfig, messages: list[dict[str, str]], client: httpx.Client | None) -> str:
    headers = {}
    key = os.environ.get(config.api_key_env) if config.api_key_env else None
    if key:
        headers["Authorization"] = f"Bearer {key}"
    body = {"model": config.model, "messages": messages, "temperature": config.temperature, "max_tokens": 400}
    url = config.base_url.rstrip("/") + "/chat/completions"
    own = client is None
    http = client or httpx.Client(timeout=config.timeout)
    try:
        response = http.post(url, json=body, headers=headers)
        response.raise_for_status()
        content = response.json()["choices"][0]["message"]["content"]
    except httpx.HTTPStatusError as exc:
        raise DraftingFailed(f"{url} answered {exc.response.status_code}: {exc.response.text[:200]}") from exc
    except httpx.HTTPError as exc:
        raise DraftingFailed(f"{url} did not answer: {exc}") from exc
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise DraftingFailed(f"{url} answered without a chat completion: {exc!r}") from exc
    finally:
        if own:
            http.close()
    if not isinstance(content, str) or not content.strip():
        raise DraftingFailed(f"{url} answered with an empty draft")
    return content.strip().strip('"').strip()


def draft_reply(
    session: Session,
    workspace: Workspace,
    conversation: Conversation,
    *,
    teammate_id: int | None = None,
    client: httpx.Client | None = None,
    now: datetime | None = None,
) -> Suggestion:
    """A generated draft for the conversation's newest message, fitted and checked by the tone guard.

    Raises DraftingOff when the workspace has not enabled drafting, DraftingFailed when the endpoint fails.
    `client` lets tests and the API pass their own httpx client.
    """
    config = DraftingConfig.of(workspace)
    if not config.enabled:
        raise DraftingOff(f"generative drafting is off for workspace {workspace.slug!r}: see docs/replies.md")
    now = now or utcnow()
    sit = situation(session, workspace, conversation, teammate_id=teammate_id, now=now)
    text = sit.message.text if sit.message else ""
    ranked = sorted(list_saved_replies(session, workspace), key=lambda r: -match_score(r, text, sit.intent))
    answers = [r.text for r in ranked[:3] if match_score(r, text, sit.intent) >= 0.3 and "{" not in r.text]
    draft = _complete(config, build_messages(sit, answers, now), client)
    if sit.limit is not None:
        draft = truncate(draft, sit.limit, sit.network)
    findings = check_draft(draft, sit.draft_context())
    score = 1.0 - sum(1.0 if f.level is Level.BLOCK else 0.15 for f in findings)
    return Suggestion(draft, "generated", score, measure(draft, sit.network), sit.limit, findings)
