"""From head scores to `TriageResult`s: intent, needs-reply, text priority, language and evidence.

The trained heads give complaint, severity, sentiment, valence, spam and question scores. Intent is decided in a
fixed, explainable order on top of them plus a few cue phrases for the two intents no licensed data set labels
(purchase intent/lead and feedback/suggestion):

    spam  >  complaint  >  lead  >  feedback  >  question  >  praise  >  chatter

Text outside what the model covers (another language, no words it knows, empty) gets its probabilities shrunk
toward "don't know" and ``low_confidence=True``; such a message in a real language still needs a person to read
it, so it is flagged for reply with that reason rather than silently dropped.
"""

from __future__ import annotations

import math
import re
import threading
from collections.abc import Sequence
from typing import Any

import numpy as np

from goodwill.domain.enums import Intent, Sentiment
from goodwill.domain.triage import TriageResult
from goodwill.memory import collector_paused
from goodwill.triage.features import MAX_CHARS, TRIGGER_FEEDBACK, TRIGGER_LEAD, TRIGGER_SPAM, TRIGGER_THANKS
from goodwill.triage.language import detect
from goodwill.triage.model import DEFAULT_MODEL_PATH, Scores, TriageModel

COVERED_LANGUAGES = frozenset({"en"})

_LEAD = re.compile(
    r"\b(how much (is|are|does|do|for|would)|what'?s the (price|cost)|price (of|for|list)|pricing|"
    r"(want|wanna|would like|looking|planning|going|ready) to (buy|order|purchase|get (one|a|an)|upgrade|"
    r"subscribe|sign up|switch)|where (can|do) i (buy|get|order|find)|do (you|u) (ship|deliver|sell|stock)|"
    r"in stock|(get|request|send me) a quote|(can|could) i (order|buy|book|reserve|pre-?order)|"
    r"book (a|an) (table|appointment|demo|call)|free trial|pre-?order|take my money|shut up and take)\b"
)
_FEEDBACK = re.compile(
    r"\b((you|u|you guys|y'?all) (should|need to|ought to) (add|make|bring|have|offer|consider|fix|let|allow|"
    r"stock|do|start|stop|change)|(it|that)(?: would|'?d) be (nice|great|good|awesome|cool|helpful) (if|to)|"
    r"please (add|bring back|make|consider|allow|let us|offer)|(i|we) (suggest|recommend|propose)|"
    r"suggestion|feature request|wish (you|there was|there were|i could|it had|it was)|"
    r"consider (adding|making|offering)|why not (add|make|offer)|bring back|hope (you|u) (add|bring|make)|"
    r"(would|could) (you|u) (add|consider|make|bring))\b"
)
_THANKS = re.compile(
    r"\b(thanks|thank (you|u)|thx|ty|cheers|kudos|shout ?out|appreciate|love (you|it|this|your|the)|"
    r"great (job|service|work)|well done|amazing|awesome|best)\b"
)
# Social-network spam the SMS-trained spam head does not know: account-phishing threats ("verify your account to
# avoid suspension"), follower and engagement selling, "collab"/promotion pitches, get-rich and crypto offers,
# unsolicited design/SEO services. Phrased as a sender addresses a stranger, not as a customer writes to a brand
# ("my account was suspended" is a complaint and does not match).
_SPAM_CUES = re.compile(
    r"\b(verify (your|ur) (account|page|identity|profile)|"
    r"(your|this|ur) (page|account|profile) (has been|have been|was|is|will be) (reported|flagged|suspended|"
    r"disabled|restricted|deactivated|unpublished)|"
    r"avoid (suspension|deactivation|(being |getting )?(banned|suspended|disabled|restricted))|"
    r"(buy|get|gain|want|grow) (\d+k? )?(real |more |active |organic )*(followers|likes)|"
    r"\d+k? (real|active|organic) (followers|likes)|"
    r"check (my|our) (bio|profile)|"
    r"dm (me|us) (for|to) (a |our )?(collab|collaboration|promo|promotion|learn|earn|join)|"
    r"(collab|collaboration|promotion|promo) (offer|opportunity|deal)|"
    r"(we|i) (can )?(help )?promote (your|brands|businesses)|"
    r"(brand )?ambassador program|"
    r"earn \$?[\d,.]+k? (a|per|every) (day|week|month)|"
    r"(crypto|forex|bitcoin|btc|binary options?) (trading|investment|mining|profits?|signals)|"
    r"(claim|withdraw) (your|ur) (prize|reward|bonus|airdrop|tokens|winnings)|"
    r"(i|we) can (re)?design your (website|site|logo|page)|"
    r"seo services?)\b"
)
_INTENT_BASE_PRIORITY = {
    Intent.SPAM: 0,
    Intent.CHATTER: 5,
    Intent.PRAISE: 22,
    Intent.FEEDBACK: 35,
    Intent.QUESTION: 50,
    Intent.LEAD: 55,
    Intent.COMPLAINT: 58,
}
_REPLY_REASON = {
    Intent.COMPLAINT: "complaint: acknowledge at once, apologise, take it private and make it right",
    Intent.QUESTION: "question or request for help: answer it",
    Intent.LEAD: "purchase intent: answer before the customer buys elsewhere",
    Intent.FEEDBACK: "feedback or suggestion: thank them and say what happens next",
    Intent.PRAISE: "praise deserves a thank-you",
}

_model: TriageModel | None = None
_model_lock = threading.Lock()


def get_model() -> TriageModel:
    """The shipped model, loaded once per process."""
    global _model
    if _model is None:
        with _model_lock:
            if _model is None:
                _model = TriageModel.load(DEFAULT_MODEL_PATH)
    return _model


def set_model(model: TriageModel | None) -> None:
    """Use another model (e.g. a workspace's retrained one) for `classify`; None goes back to the shipped one."""
    global _model
    with _model_lock:
        _model = model


def _sigmoid(x: np.ndarray) -> np.ndarray:
    out: np.ndarray = 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))
    return out


def _softmax(x: np.ndarray) -> np.ndarray:
    z = np.exp(x - x.max(axis=1, keepdims=True))
    out: np.ndarray = z / z.sum(axis=1, keepdims=True)
    return out


def _safe_text(t: Any) -> str:
    if isinstance(t, str):
        text = t
    elif isinstance(t, bytes | bytearray):
        text = bytes(t).decode("utf-8", errors="replace")
    elif t is None:
        text = ""
    else:
        text = str(t)
    if "\x00" in text or "\ufffd" in text:
        text = text.replace("\x00", " ")
    return text


def classify_batch(texts: Sequence[Any], model: TriageModel | None = None) -> list[TriageResult]:
    model = model or get_model()
    clean = [_safe_text(t) for t in texts]
    if not clean:
        return []
    # A batch allocates many small objects that all survive (features, results): the cyclic garbage collector
    # would walk them again and again and find nothing to free. Pausing it for the batch is worth ~30% of the
    # run time; it is restored afterwards (and only if it was on).
    with collector_paused():
        scores = model.score(clean)
        return _assemble(model, clean, scores)


_INTENTS = (
    Intent.SPAM,
    Intent.COMPLAINT,
    Intent.LEAD,
    Intent.FEEDBACK,
    Intent.QUESTION,
    Intent.PRAISE,
    Intent.CHATTER,
)  # index = rank in the decision order
_I_SPAM, _I_COMPLAINT, _I_LEAD, _I_FEEDBACK, _I_QUESTION, _I_PRAISE, _I_CHATTER = range(7)
_BASE = np.array([_INTENT_BASE_PRIORITY[i] for i in _INTENTS], dtype=np.float64)
_NEEDS_REPLY = [i in _REPLY_REASON for i in _INTENTS]
_REASONS = [
    _REPLY_REASON.get(i, "spam: no reply" if i is Intent.SPAM else "chatter: no reply needed") for i in _INTENTS
]
_SENTIMENTS = (Sentiment.NEGATIVE, Sentiment.NEUTRAL, Sentiment.POSITIVE)


def _assemble(model: TriageModel, texts: list[str], scores: Scores) -> list[TriageResult]:
    h = model.heads
    lg = scores.logits.astype(np.float64)
    n = len(texts)
    b = scores.batch
    p_complaint = _sigmoid(lg[:, h["complaint"].start])
    p_sev = lg[:, h["severity"].start : h["severity"].stop]
    p_sent = _softmax(lg[:, h["sentiment"].start : h["sentiment"].stop])
    valence = np.clip(lg[:, h["valence"].start], -1.0, 1.0)
    p_spam = _sigmoid(lg[:, h["spam"].start])
    p_question = _sigmoid(lg[:, h["question"].start])

    # confidence: how much of the message is in a language and vocabulary the model covers
    langs: list[str] = []
    conf_l: list[float] = []
    n_words_l, n_known_l = b.n_words.tolist(), b.n_known.tolist()
    counts = zip(n_words_l, n_known_l, b.en_hits.tolist(), b.foreign_hits.tolist(), strict=True)
    norms, toff = b.norms, b.toff.tolist()
    for i, (text, (n_words, n_known, en_hits, foreign_hits)) in enumerate(zip(texts, counts, strict=True)):
        lang, lang_conf = detect(text, norms[toff[i] : toff[i + 1]], en_hits, foreign_hits)
        if not n_words:
            c = 0.0
        elif lang in COVERED_LANGUAGES:
            c = min(1.0, 0.4 + n_known / n_words) * (0.5 + 0.5 * min(1.0, lang_conf + 0.3))
        elif lang == "und":
            c = 0.5 * n_known / n_words
        else:
            c = 0.25 * n_known / n_words
        langs.append(lang)
        conf_l.append(c)
    conf = np.asarray(conf_l)
    low = conf < 0.6

    # shrink toward "don't know" as confidence drops
    p_complaint = 0.5 + (p_complaint - 0.5) * conf
    p_spam = 0.5 + (p_spam - 0.5) * conf
    p_question = 0.5 + (p_question - 0.5) * conf
    # emoji or emoticons alone ("😡😡", "👍"): no words to say what the message is, so the confidence stays 0 and
    # every other head is shrunk to "don't know", but their valence is known and the sentiment head learned it;
    # the sentiment keeps the head's choice (its score is halved below, as it has no valence-head part)
    emoji_only = (b.n_words == 0) & (b.n_valenced > 0)
    p_sent = np.where(
        emoji_only[:, None], p_sent, p_sent * conf[:, None] + (1 - conf[:, None]) * np.array([0.0, 1.0, 0.0])
    )
    complaint = p_complaint > 0.5
    sent_idx = p_sent.argmax(axis=1)
    sev_idx = p_sev.argmax(axis=1)
    severity = np.where(complaint, sev_idx + 1, 0)
    score = 0.5 * valence * conf + 0.5 * (p_sent[:, 2] - p_sent[:, 0])
    # keep the score's sign consistent with the label
    score = np.where(
        sent_idx == 0, np.minimum(score, -0.05), np.where(sent_idx == 2, np.maximum(score, 0.05), score.clip(-0.3, 0.3))
    ).clip(-1.0, 1.0)

    # intent, in decision order; lead / feedback / thanks need their cue patterns, run only where cue words are
    intent = np.full(n, _I_CHATTER)
    intent_score = np.maximum(
        0.0, 1.0 - np.maximum.reduce([p_spam, p_complaint, p_question, np.where(sent_idx == 2, p_sent[:, 2], 0.0)])
    )
    cues: dict[int, str] = {}
    triggers = b.triggers.tolist()
    spam = p_spam > 0.5
    for i in np.nonzero(~spam & ((b.triggers & TRIGGER_SPAM) > 0))[0].tolist():
        m = _SPAM_CUES.search(texts[i][:MAX_CHARS].lower())
        if m is not None:
            spam[i] = True
            p_spam[i] = max(p_spam[i], 0.9)
            cues[i] = m.group(0)
    undecided = ~spam & ~complaint
    for i in np.nonzero(undecided & ~low)[0].tolist():
        t = triggers[i]
        if not t & (TRIGGER_LEAD | TRIGGER_FEEDBACK):
            continue
        lower = texts[i][:MAX_CHARS].lower()
        m = _LEAD.search(lower) if t & TRIGGER_LEAD else None
        if m is not None:
            intent[i] = _I_LEAD
        else:
            m = _FEEDBACK.search(lower) if t & TRIGGER_FEEDBACK else None
            if m is None:
                continue
            intent[i] = _I_FEEDBACK
        cues[i] = m.group(0)
        intent_score[i] = 0.7 * conf[i]
    undecided &= intent == _I_CHATTER
    question = undecided & (p_question > 0.5)
    intent[question] = _I_QUESTION
    intent_score[question] = p_question[question]
    undecided &= ~question
    # emoji alone are not enough to call a message praise (a "😂" may laugh at the brand): chatter, with its sentiment
    for i in np.nonzero(undecided & (sent_idx == 2) & ~emoji_only)[0].tolist():
        m = _THANKS.search(texts[i][:MAX_CHARS].lower()) if triggers[i] & TRIGGER_THANKS else None
        if m is not None or p_sent[i, 2] >= 0.6:
            intent[i] = _I_PRAISE
            intent_score[i] = p_sent[i, 2]
            if m is not None:
                cues[i] = m.group(0)
    complaint_i = complaint & ~spam
    intent[complaint_i] = _I_COMPLAINT
    intent_score[complaint_i] = p_complaint[complaint_i]
    intent[spam] = _I_SPAM
    intent_score[spam] = p_spam[spam]

    # text priority: intent base, raised by severity and negativity, scaled by confidence
    negativity = np.maximum(0.0, -score)
    base = _BASE[intent] + np.where(
        intent == _I_COMPLAINT,
        7 * severity + np.round(10 * negativity),
        np.where((intent >= _I_LEAD) & (intent <= _I_QUESTION), np.round(8 * negativity), 0.0),
    )
    priority = np.round(base * (0.5 + 0.5 * conf)).clip(0, 100).astype(int)

    # evidence from the heads' weights (word block), all heads in one vectorised pass
    columns = np.stack(
        [
            np.full(n, h["complaint"].start),
            h["sentiment"].start + sent_idx,
            np.where(complaint, h["severity"].start + sev_idx, -1),
        ]
    )
    signs = np.stack([np.where(complaint, 1.0, -1.0), np.ones(n), np.ones(n)])
    ev_complaint, ev_sent, ev_sev = model.word_contributions(scores, columns, signs, top=3)

    results: list[TriageResult] = []
    version = model.version
    rows = zip(
        complaint.tolist(),
        p_complaint.tolist(),
        intent.tolist(),
        intent_score.clip(0.0, 1.0).tolist(),
        sent_idx.tolist(),
        score.tolist(),
        severity.tolist(),
        priority.tolist(),
        conf_l,
        low.tolist(),
        langs,
        strict=True,
    )
    for i, (is_c, pc, it, iscore, si, sscore, sev, prio, c, lo, lang) in enumerate(rows):
        needs_reply = _NEEDS_REPLY[it]
        reason = _REASONS[it]
        if lo and lang != "und" and lang not in COVERED_LANGUAGES and n_words_l[i] > 0:
            # a real message in a language the model does not cover: a person should read it
            needs_reply = True
            reason = f"language '{lang}' is not covered by the model: a person should read it"
            prio = max(prio, 40)
        if it == _I_COMPLAINT:
            intent_cues = ev_complaint[i]
        elif it == _I_SPAM:
            intent_cues = [cues[i]] if i in cues else ["spam model"]
        elif it == _I_QUESTION:
            intent_cues = ["?"] if "?" in texts[i] else ["question model"]
        elif it == _I_PRAISE:
            intent_cues = [cues[i]] if i in cues else ev_sent[i]
        elif i in cues:
            intent_cues = [cues[i]]
        else:
            intent_cues = []
        evidence: dict[str, Any] = {"complaint": ev_complaint[i], "sentiment": ev_sent[i]}
        if emoji_only[i] and si != 1:
            evidence["sentiment"] = _valenced_tokens(model, scores.batch.tokens(i))
        if is_c:
            evidence["severity"] = ev_sev[i]
        evidence["intent"] = intent_cues
        evidence["language"] = {"detected": lang, "confidence": round(c, 3)}
        results.append(
            TriageResult(
                complaint=is_c,
                complaint_probability=pc,
                intent=_INTENTS[it],
                intent_score=iscore,
                sentiment=_SENTIMENTS[si],
                sentiment_score=sscore,
                severity=sev,
                needs_reply=needs_reply,
                needs_reply_reason=reason,
                priority=prio,
                language=lang,
                low_confidence=lo,
                evidence=evidence,
                model_version=version,
            )
        )
    return results


def _valenced_tokens(model: TriageModel, tokens: list[str], top: int = 3) -> list[str]:
    """The distinct tokens of a message that carry a lexicon valence (its emoji, emoticons), in order."""
    out: list[str] = []
    for t in tokens:
        if t not in out and model.lexicon.get(t):
            out.append(t)
            if len(out) == top:
                break
    return out


def reply_needed(intent: Intent) -> tuple[bool, str]:
    """Whether a message of ``intent`` needs a reply, and why (as `classify` decides for covered text)."""
    i = _INTENTS.index(intent)
    return _NEEDS_REPLY[i], _REASONS[i]


def text_priority(intent: Intent, severity: int, sentiment_score: float, confidence: float = 1.0) -> int:
    """The text priority `classify` gives these labels (the same formula, one message), e.g. after a teammate
    corrected them (confidence 1: a person read it)."""
    i = _INTENTS.index(intent)
    negativity = max(0.0, -sentiment_score)
    base = float(_BASE[i])
    if i == _I_COMPLAINT:
        base += 7 * severity + round(10 * negativity)
    elif _I_LEAD <= i <= _I_QUESTION:
        base += round(8 * negativity)
    return max(0, min(100, round(base * (0.5 + 0.5 * confidence))))


def prioritise(
    result: TriageResult,
    *,
    followers: int | None = None,
    vip: bool = False,
    at_risk: bool = False,
    advocate: bool = False,
    waited_minutes: float = 0.0,
) -> tuple[int, dict[str, Any]]:
    """Combine the text priority with the author's reach, relationship and the time already waited.

    Returns (priority 0-100, evidence: each component's points). Spam stays at 0; messages that need no reply
    get only half the relationship and reach points and none for waiting.
    """
    ev: dict[str, Any] = {"text": result.priority}
    if result.intent is Intent.SPAM:
        ev["spam"] = "spam is never prioritised"
        return 0, ev
    points, parts, flags = author_points(result.needs_reply, followers, vip, at_risk, advocate)
    wait = 0.0
    if result.needs_reply and waited_minutes and waited_minutes > 0 and math.isfinite(waited_minutes):
        wait = 20.0 * (1.0 - math.exp(-float(waited_minutes) / 120.0))  # 1 h +8, 4 h +17, a day +20
    ev.update(parts)
    ev["waited"] = round(wait, 1)
    ev.update(flags)
    total = result.priority + points + wait
    return max(0, min(100, round(total))), ev


def author_points(
    needs_reply: bool, followers: int | None, vip: bool, at_risk: bool, advocate: bool
) -> tuple[float, dict[str, float], dict[str, bool]]:
    """The points `prioritise` adds for the author's reach and relationship (half when no reply is needed),
    their evidence, and the relationship flags shown."""
    scale = 1.0 if needs_reply else 0.5
    reach = 0.0
    if followers is not None and followers > 0 and math.isfinite(followers):
        reach = min(15.0, 3.0 * math.log10(1.0 + float(followers)))  # 1k followers +9, 100k +15
    rel = (15.0 if vip else 0.0) + (12.0 if at_risk else 0.0) + (6.0 if advocate else 0.0)
    flags = {name: True for name, on in (("vip", vip), ("at_risk", at_risk), ("advocate", advocate)) if on}
    return (reach + rel) * scale, {"reach": round(reach * scale, 1), "relationship": round(rel * scale, 1)}, flags
