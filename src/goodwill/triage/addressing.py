"""How a message written to the brand is read by the triage model.

The complaint data (xci) are tweets: the ones written to a brand start with its handle ("@AcmeHelp my order..."),
and the random control tweets, never complaints, mostly do not. The model learned that a leading mention means
"written to an account". A Facebook, Instagram, LinkedIn or blog comment, or a direct message, is written to the
brand without naming it, and read as it stands it looks like a control tweet: in cross-validation, the recall of
the brand-directed complaints fell from 0.80 to 0.64 once their leading mentions were taken away. Ingest knows
that every inbound message is addressed to the brand, so it says so: `as_addressed` puts a mention in front of a
text that does not start with one (recall 0.71; macro-F1 0.76, against 0.73 without and 0.76 for the tweets as
written; docs/model-card.md, linear-1.4).

Only the model's input changes: the stored text and everything shown stay the message's, and the evidence names
no mention for a text given one (the classifier knows the prefix).
"""

from __future__ import annotations

import re

from goodwill.domain.enums import Direction
from goodwill.domain.message import NormalisedMessage

# A handle of one letter that no training text holds (U+01C2, a click letter): the model reads the fact of a
# leading mention (its word features and the " @" character n-gram) and nothing about whose handle it is. A
# readable handle would add its letters' n-grams, learned from the xci accounts' handles: "@brand" shares "@b"
# with @BritishAirways and the like, a strong complaint cue, and called "Your website's search is hard to use on a
# phone, just so you know." a complaint (p 0.52; 0.43 with "@ǂ").
ADDRESS = "@\u01c2"
ADDRESSED_PREFIX = ADDRESS + " "  # what `as_addressed` puts in front; the evidence names no mention for these
_LEADING_MENTION = re.compile(r"\s*\.?@\w")


def as_addressed(text: str) -> str:
    """``text`` as a message written to the brand: a mention in front, unless it starts with one or is blank."""
    if not isinstance(text, str) or not text.strip() or _LEADING_MENTION.match(text):
        return text
    return ADDRESSED_PREFIX + text


def triage_text(message: NormalisedMessage) -> str:
    """What the triage model reads for ``message``: an inbound message is addressed to the brand."""
    return as_addressed(message.text) if message.direction is Direction.INBOUND else message.text
