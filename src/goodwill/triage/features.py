"""Text -> sparse features, one definition shared by training and inference.

`message_features` is the reference definition (feature *names*), used by training. At run time
`TriageModel.encode` produces the same features as vocabulary ids much faster, from a per-token cache
(`token_info`); a test checks that the two agree.

Two blocks, each idf-weighted and L2-normalised on its own:

word block
  ``w:``  word unigram; inside a negation scope (3 words after "not", "never", "don't"...) marked ``w:~``
  ``b:``  word bigram over the normalised tokens, with ``<s>`` / ``</s>`` at the ends
  ``x:``  dense cues as bucket tokens: VADER-lexicon valence (positive, negative, balance), SHOUTING, length,
          starts with a mention
char block
  character 2-5-grams of every token occurrence as written (lower-cased), padded with spaces like
  scikit-learn's ``char_wb``: spelling variants, hashtags, emoji, and handles (``@acme_help`` says "help").

A message is cut to MAX_CHARS characters first.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from typing import NamedTuple

MAX_CHARS = 2000

_URL = re.compile(r"https?://\S+|www\.\S+")
_REPEAT = re.compile(r"(.)\1{2,}")
_TOKEN = re.compile(
    r"@\w+"  # mention
    r"|#\w+"  # hashtag
    r"|[:;=8][\-o^']?[()\[\]dDpPoO/\\|*3]+"  # western emoticons
    r"|<3"
    r"|[^\W\d_]+(?:['’][^\W\d_]+)*"  # words, any script, with inner apostrophes
    r"|\d+(?:[.,:]\d+)*"  # numbers
    r"|[!?]+"
    r"|[\u2600-\u27bf\U0001f000-\U0001faff]"  # emoji and pictographs, one token each
)
NEGATIONS = frozenset(
    [
        "not",
        "no",
        "never",
        "nobody",
        "nothing",
        "nowhere",
        "neither",
        "nor",
        "none",
        "cannot",
        "cant",
        "dont",
        "doesnt",
        "didnt",
        "isnt",
        "arent",
        "wasnt",
        "werent",
        "wont",
        "wouldnt",
        "shouldnt",
        "couldnt",
        "havent",
        "hasnt",
        "hadnt",
        "aint",
        "without",
    ]
)
SCOPE_END = frozenset(["!", "!!", "?", "??", "but", "however", "although", "though"])

# Valence of common emoji on VADER's -4..4 scale (written for this project; the VADER lexicon has emoticons
# but no emoji). Added to the lexicon at training time, so it ships inside the model file.
EMOJI_VALENCE: dict[str, float] = {
    "😍": 3.0,
    "❤": 3.0,
    "💕": 2.8,
    "💙": 2.5,
    "💜": 2.5,
    "💖": 2.8,
    "😘": 2.5,
    "🥰": 3.0,
    "😊": 2.5,
    "😀": 2.2,
    "😃": 2.2,
    "😄": 2.4,
    "😁": 2.2,
    "🙂": 1.5,
    "😉": 1.5,
    "😎": 1.8,
    "👍": 2.0,
    "👏": 2.2,
    "🙌": 2.2,
    "🎉": 2.5,
    "🥳": 2.5,
    "✨": 1.2,
    "🔥": 1.5,
    "💯": 2.0,
    "🙏": 1.5,
    "😂": 1.2,
    "🤣": 1.2,
    "☺": 2.0,
    "👌": 1.8,
    "💪": 1.5,
    "⭐": 1.5,
    "🌟": 1.8,
    "✅": 1.0,
    "😡": -3.0,
    "😠": -2.8,
    "🤬": -3.2,
    "👎": -2.2,
    "😢": -2.2,
    "😭": -2.4,
    "😞": -2.2,
    "😔": -1.8,
    "😩": -2.2,
    "😫": -2.2,
    "😤": -2.2,
    "🙄": -1.8,
    "😒": -1.8,
    "😑": -1.2,
    "😐": -0.5,
    "😕": -1.5,
    "🙁": -1.8,
    "☹": -2.0,
    "😣": -2.0,
    "😖": -2.2,
    "💩": -2.5,
    "🤮": -2.8,
    "🤢": -2.4,
    "😱": -1.5,
    "😰": -1.8,
    "😓": -1.5,
    "💔": -2.5,
    "🤦": -1.8,
    "😬": -1.0,
    "❌": -1.2,
}


class TokenInfo(NamedTuple):
    """What a raw token contributes, independent of its neighbours (so it can be cached)."""

    norm: str  # normalised form: '@user', '0', 'dont', 'fail' (from '#fail'), '!!'
    chars: list[str]  # character n-grams of the lower-cased raw token
    valence: float  # lexicon valence, 0.0 when not in the lexicon
    negation: bool
    scope_end: bool
    shout: bool  # an ALL-CAPS word of 3+ letters


# cue-word families (bits) that the intent rules in classifier.py look for before running their patterns
TRIGGER_LEAD, TRIGGER_FEEDBACK, TRIGGER_THANKS, TRIGGER_SPAM = 1, 2, 4, 8
_TRIGGER_WORDS: dict[int, frozenset[str]] = {
    TRIGGER_LEAD: frozenset(
        [
            "much",
            "price",
            "cost",
            "pricing",
            "buy",
            "order",
            "purchase",
            "get",
            "upgrade",
            "subscribe",
            "sign",
            "switch",
            "ship",
            "deliver",
            "sell",
            "stock",
            "quote",
            "book",
            "reserve",
            "trial",
            "preorder",
            "pre",
            "money",
            "find",
            "take",
        ]
    ),
    TRIGGER_FEEDBACK: frozenset(
        [
            "should",
            "need",
            "ought",
            "nice",
            "great",
            "good",
            "awesome",
            "cool",
            "helpful",
            "please",
            "suggest",
            "recommend",
            "propose",
            "suggestion",
            "feature",
            "wish",
            "consider",
            "why",
            "bring",
            "hope",
            "would",
            "could",
            "itd",
            "thatd",
        ]
    ),
    TRIGGER_SPAM: frozenset(
        [
            "verify",
            "suspension",
            "suspended",
            "disabled",
            "restricted",
            "deactivated",
            "deactivation",
            "reported",
            "flagged",
            "unpublished",
            "followers",
            "likes",
            "bio",
            "collab",
            "collaboration",
            "promo",
            "promotion",
            "promote",
            "ambassador",
            "earn",
            "crypto",
            "forex",
            "bitcoin",
            "btc",
            "claim",
            "withdraw",
            "design",
            "redesign",
            "seo",
        ]
    ),
    TRIGGER_THANKS: frozenset(
        [
            "thanks",
            "thank",
            "thx",
            "ty",
            "cheers",
            "kudos",
            "shout",
            "shoutout",
            "appreciate",
            "love",
            "great",
            "well",
            "amazing",
            "awesome",
            "best",
        ]
    ),
}


def trigger_bits(norm: str) -> int:
    """Which cue-word families a normalised token belongs to (see TRIGGER_*)."""
    return sum(bit for bit, words in _TRIGGER_WORDS.items() if norm in words)


def normalise(text: str) -> str:
    """Cut to MAX_CHARS, URLs -> ' xurl '. Case is kept (repeats are squashed per token, in `token_info`)."""
    text = text[:MAX_CHARS]
    if "http" in text or "www." in text:
        text = _URL.sub(" xurl ", text)
    return text


def raw_tokens(text: str) -> list[str]:
    """Tokens of a ``normalise``d text, as written."""
    return _TOKEN.findall(text)


def char_ngrams(token: str, lo: int = 2, hi: int = 5) -> list[str]:
    """Character n-grams of one token padded with spaces (like scikit-learn's ``char_wb``)."""
    w = " " + token + " "
    n_w = len(w)
    return [w[i : i + n] for n in range(lo, hi + 1) for i in range(n_w - n + 1)]


def _norm(low: str) -> str:
    """The normalised form of a lower-cased, repeat-squashed token."""
    c = low[0]
    if c == "@":
        return "@user"
    if c == "#":
        return low[1:]
    if c.isdigit():
        return "0"
    if c == "!" or c == "?":
        return low[:2]
    if "'" in low or "’" in low:
        return low.replace("’", "").replace("'", "")
    return low


def norm_tokens(text: str, cache: dict[str, str] | None = None) -> list[str]:
    """The normalised tokens of a text (as `message_features` gives them), without the rest of the features."""
    cache = {} if cache is None else cache
    out = []
    for raw in raw_tokens(normalise(text)):
        norm = cache.get(raw)
        if norm is None:
            low = (_REPEAT.sub(r"\1\1", raw) if len(raw) >= 3 else raw).lower()
            norm = cache[raw] = _norm(low)
        out.append(norm)
    return out


def token_info(raw: str, lexicon: dict[str, float]) -> TokenInfo:
    """Everything one raw token contributes; runs of 3+ repeated characters are squashed to 2 ("soooo")."""
    if len(raw) >= 3:
        raw = _REPEAT.sub(r"\1\1", raw)
    low = raw.lower()
    norm = _norm(low)
    return TokenInfo(
        norm=norm,
        chars=char_ngrams(low),
        valence=lexicon.get(norm, 0.0),
        negation=norm in NEGATIONS,
        scope_end=norm in SCOPE_END,
        shout=len(raw) >= 3 and raw.isalpha() and raw.isupper(),
    )


def word_feature_names(infos: list[TokenInfo]) -> list[str]:
    """Word-block feature names of a message from its token infos (the reference definition)."""
    feats: list[str] = []
    app = feats.append
    negated = 0
    pos = neg = 0.0
    n_caps = 0
    prev = "<s>"
    for ti in infos:
        tok = ti.norm
        if ti.scope_end:
            negated = 0
        app("w:~" + tok if negated else "w:" + tok)
        app("b:" + prev + " " + tok)
        v = ti.valence
        if v:
            if negated:
                v = -0.5 * v
            if v > 0:
                pos += v
            else:
                neg -= v
        if ti.shout:
            n_caps += 1
        if ti.negation:
            negated = 3
        elif negated:
            negated -= 1
        prev = tok
    feats.extend(summary_features(infos, prev, pos, neg, n_caps, infos[0].norm if infos else ""))
    return feats


def summary_features(infos: list, last: str, pos: float, neg: float, n_caps: int, first: str) -> list[str]:  # type: ignore[type-arg]
    """The per-message features: closing bigram and the ``x:`` cues. ``infos`` is only used for its length."""
    out = []
    if infos:
        out.append("b:" + last + " </s>")
    out.append("x:lexpos" + str(min(int(pos), 6)))
    out.append("x:lexneg" + str(min(int(neg), 6)))
    out.append("x:lexdiff" + str(max(-4, min(4, math.floor((pos - neg) / 1.5)))))
    if n_caps:
        out.append("x:caps" + str(min(n_caps, 3)))
    n = len(infos)
    out.append("x:len" + ("0" if n == 0 else "1" if n < 5 else "2" if n < 12 else "3" if n < 25 else "4"))
    if first == "@user":
        out.append("x:startmention")
    return out


def message_features(text: str, lexicon: dict[str, float]) -> tuple[list[str], list[str], list[str]]:
    """(word-block names, char-block names with one entry per occurrence, normalised tokens) of one text."""
    infos = [token_info(r, lexicon) for r in raw_tokens(normalise(text))]
    chars: list[str] = []
    for ti in infos:
        chars.extend(ti.chars)
    return word_feature_names(infos), chars, [ti.norm for ti in infos]


# Severity cue families, written from the severity definitions (Jin & Aletras 2021, after Trosborg 1995), not
# fitted to data: disapproval (annoyance at the consequences), accusation (the brand did it: "you charged me
# twice", "your driver"), blame (the brand is condemned: "shame on you", "useless", "never again"). The severity
# head gets each family's count (0, 1, 2+) as three extra inputs (`severity_cues`); only complaints are scored.
SEVERITY_CUES = (
    (
        "disapproval",
        re.compile(
            r"\b(disappoint\w*|annoy\w*|frustrat\w*|unhappy|upset|ugh+|fed up|"
            r"not (happy|impressed|good enough|great|ideal)|sad|poor|rubbish|bad)\b"
        ),
    ),
    (
        "accusation",
        re.compile(
            r"\b(you|you've|youve|you have|you guys|u)\s+(have\s+|just\s+|still\s+)?(charged|overcharged|"
            r"cancell?ed|lost|deleted|took|taken|sent|broke|broken|refused|ignored|lied|messed|screwed|failed|"
            r"forgot|promised|changed|double charged|never|didn'?t|haven'?t|hasn'?t|won'?t|can'?t)\b|"
            r"\byour (staff|driver|service|app|website|site|system|team|employee|agent|rep)\b"
        ),
    ),
    (
        "blame",
        re.compile(
            r"\b(shame|shameful|disgrace\w*|disgust\w*|pathetic|useless|incompetent|joke|worst|appalling|"
            r"shocking|unacceptable|ridiculous|scam\w*|thie(f|ves)|liars?|rip(ped)? ?off|fraud\w*|never again|"
            r"sue|lawyer|ombudsman|your fault|sort (it|yourselves) out|absolute(ly)? (joke|disgrace|shambles)|"
            r"shambles|horrendous|horrible|awful|terrible)\b"
        ),
    ),
)
SEVERITY_CUE_SCALE = 0.5  # each input is SCALE * min(count, 2) / 2, beside the L2-normalised word block


def severity_cues(text: str) -> list[float]:
    """The severity head's cue inputs of one text, in SEVERITY_CUES order."""
    low = text[:MAX_CHARS].lower()
    return [SEVERITY_CUE_SCALE * min(len(p.findall(low)), 2) / 2 for _, p in SEVERITY_CUES]


def load_lexicon(lines: Iterable[str]) -> dict[str, float]:
    """Parse the VADER lexicon format: ``token<TAB>mean<TAB>sd<TAB>ratings``, plus EMOJI_VALENCE."""
    lex: dict[str, float] = dict(EMOJI_VALENCE)
    for line in lines:
        parts = line.rstrip("\n").split("\t")
        if len(parts) >= 2:
            try:
                lex[parts[0].lower()] = float(parts[1])
            except ValueError:
                continue
    return lex
