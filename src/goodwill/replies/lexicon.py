"""The tone guard's word lists: patterns with the reason each one is there.

Written for this project (no text from the evaluation sets). Patterns are case-insensitive unless noted;
weights say how strongly a pattern alone points at the problem. Tuned on the demo world's planted replies and
checked against real brand replies by benchmarks/replies_eval.py (docs/replies.md has the numbers).
"""

from __future__ import annotations

import re

IGNORECASE = re.IGNORECASE


def _p(pattern: str, flags: int = IGNORECASE) -> re.Pattern[str]:
    return re.compile(pattern, flags)


# over-selling and ad language: (pattern, weight, what it is)
SELLING: tuple[tuple[re.Pattern[str], int, str], ...] = (
    (_p(r"\b\d{1,2}\s?% off\b|\bsave (?:up to )?\d{1,2}\s?%"), 2, "a discount"),
    (_p(r"\b(?:promo|discount|coupon) code\b|\bwith code\b|\buse code\b"), 2, "a promo code"),
    (
        _p(
            r"\b(?:this week|today|this weekend) only\b|\blimited[- ]time\b|\blast chance\b|\bwhile (?:stocks"
            r"|supplies) last\b"
        ),
        2,
        "urgency",
    ),
    (_p(r"\bdon'?t miss (?:out|our)\b|\bbefore it'?s gone\b|\bhurry\b|\bact now\b"), 2, "urgency"),
    (
        _p(r"\b(?:shop|buy|order|sign up|subscribe) (?:now|today)\b|\bshop the (?:full )?range\b|\btreat yourself\b"),
        2,
        "a call to buy",
    ),
    (
        _p(
            r"\bwhy not (?:try|grab|treat|pick up)\b|\bnever run out\b|\bupgrade (?:to|your) (?:our"
            r"|the) (?:premium|pro|plus)\b"
        ),
        2,
        "a pitch",
    ),
    (_p(r"\bdid you know (?:that )?(?:subscribers|members|our|we)\b"), 2, "a pitch"),
    (
        _p(
            r"\bsimply the best\b|\bbest (?:\w+ ){0,2}(?:you can buy|in (?:town|the (?:world|country|state))"
            r"|ever made)\b"
        ),
        2,
        "hype",
    ),
    (_p(r"\bbest (?:\w+ ){0,2}in (?:new england|[A-Z][a-z]+)\b", 0), 1, "hype"),
    (_p(r"#1\b|\bnumber one\b|\baward[- ]winning\b|\bworld[- ]class\b|\bunbeatable\b|\bbest[- ]selling\b"), 1, "hype"),
    (_p(r"\bguaranteed\b|\bgame[- ]changer\b|\bmust[- ]have\b"), 1, "hype"),
    (_p(r"(?:[\w.-]+\.\w{2,}|https?://\S+)/(?:shop|store|buy|products?|collections?)\b"), 1, "a shop link"),
    (_p("[\U0001f525\U0001f680\U0001f3c6\U0001f4a5\u26a1\U0001f381\U0001f4b0\U0001f6d2]"), 1, "ad emoji"),
    (_p(r"!!"), 1, "shouting"),
)
SELLING_WARN = 2  # total weight for a warning
SELLING_BLOCK = 3  # ... and for a blocking finding

# defensiveness and blaming the customer: (pattern, blocking?)
DEFENSIVE: tuple[tuple[re.Pattern[str], bool], ...] = (
    (_p(r"\bour (?:records|system|logs) (?:show|shows|indicate|indicates)\b"), True),
    (_p(r"\bcheck with your (?:bank|neighbou?rs|carrier|provider)\b|\btake it up with\b"), True),
    (_p(r"\bcheck your own\b|\bbefore posting\b|\bdouble[- ]check next time\b"), True),
    (_p(r"\byour (?:own )?fault\b|\buser error\b|\bchosen by you\b|\byou chose\b"), True),
    (
        _p(
            r"\byou should(?: have|'ve)(?: \w+)? (?:checked|read|contacted|chosen|selected|called|known|told|asked"
            r"|looked)\b"
        ),
        True,
    ),
    (_p(r"\b(?:may|might|must) be (?:your|how you)\b|\bit'?s your (?:fault|own|mistake|problem)\b"), True),
    (_p(r"\bnever had (?:a|any) complaints?\b|\b(?:nobody|no one) else (?:has|had)\b"), True),
    (_p(r"\bnot our (?:fault|problem|responsibility)\b|\bcan'?t comment on\b|\bcalm down\b"), True),
    (
        _p(r"\bno errors? on our (?:side|end)\b|\bprocessed on our (?:side|end)\b|\bleft (?:us )?(?:on time|intact)\b"),
        True,
    ),
    (_p(r"\bas (?:we|i) (?:already |previously )?(?:said|stated|mentioned|explained)\b|\bas stated\b"), False),
    (_p(r"\bper our (?:policy|terms)\b|\byou agreed to\b|\bnext time\b"), False),
)

APOLOGY = _p(
    r"\bsorry\b|\bapolog|\bregret\b|\bnot (?:okay|ok|good enough|right|what we want|the experience)\b"
    r"|\bshould(?:n'?t| not) have\b|\bfrustrat|\bunderstand (?:how|that|your|why)\b|\b(?:hate|sad(?:dened)?) to hear\b"
    r"|\bsaddening\b|\bunacceptable\b|\blet you down\b|\bmessed up\b|\bour (?:bad|mistake)\b|\bmy (?:bad|mistake)\b"
    r"|\bthat'?s not (?:on|how)\b|\bshould(?: have| not| never)? (?:been|reached|take|last)\b"
    r"|\b(?:i|we) (?:completely |totally )?understand\b|\bunfortunate|\bwe hear you\b|\bnot ideal\b"
    r"|\b(?:thanks|thank you) for (?:your|the) patience\b|\bnot what (?:we|you)\b|\bdon'?t want (?:you|this)\b"
)
NEXT_STEP = _p(
    r"\bdm\b|\bdirect message\b|\bprivate(?:ly| message)?\b|\bmessage us\b|\be-?mail\b|\bcall\b|\breach (?:out|us)\b"
    r"|\bfollow(?:ing)? up\b|\bcheck back\b|\bget back\b|\blook(?:ing)? into\b|\bi'?ll\b|\bi will\b|\bwe'?ll\b"
    r"|\bwe will\b|\blet me\b|\blet us\b|\bcan you\b|\bcould you\b|\bplease (?:send|share|reply|contact|try|visit|"
    r"follow|let|check|see)\b|\bon (?:its|the) way\b|\bships?\b|\brefund|\breplace|\bsorted\b|\bfixed\b|https?://"
    r"|\?|\bhere'?s how\b|\bhappy to help\b|\bwe'?re (?:on it|looking)\b|\bteam (?:is|are)\b|\bescalat"
)

SELF = _p(r"\b(?:we|we'?re|we'?ve|we'?ll|we'?d|our|ours|us)\b")
YOU = _p(r"\b(?:you|you'?re|you'?ve|you'?ll|you'?d|your|yours|yourself)\b")
SELF_MIN = 5  # self-talk under this many words is never flagged
SELF_RATIO = 3  # ... and from it, flagged when it outnumbers the person this many times

PRIVATE_ITEM = _p(
    r"\byour (?:\w+ )?(?:order (?:number|no\.?|#|id)|e-?mail(?: address)?|phone(?: number)?"
    r"|(?:home |shipping |street |postal )?address|account (?:number|no\.?|id|details|info)|(?:card"
    r"|credit card) (?:number|details)|last (?:4|four) digits"
    r"|date of birth|birthday|zip ?code|post ?code|social security(?: number)?|ssn)\b"
)
SECRET_ITEM = _p(r"\b(?:password|passcode|pin(?: number| code)?|security code|cvv|cvc|one[- ]time code)\b")
SECRET_ASK = _p(
    r"\b(?:send|share|provide|give|tell|confirm|dm|reply with|what'?s|what is|need|type)\s+(?:us |me )?(?:with )?"
    r"(?:your |the )?(?:\w+ ){0,2}(?:password|passcode|pin|security code|cvv|cvc|one[- ]time code)\b"
)
ASKS = _p(
    r"\b(?:send|share|provide|give|tell|post|reply with|include|confirm|what'?s your|what is your|can you|could you"
    r"|can we (?:get|have)|please|need|drop|leave)\b"
)
PRIVATE_WAY = _p(
    r"\bdm\b|\bdms\b|\bdirect(?:ly| message)\b|\bprivate(?:ly| message| chat)?\b|\bmessage us\b|\binbox\b"
    r"|\bsecure (?:link|form|chat)\b|\bvia (?:dm|email|e-mail|chat|our (?:site|form|app))\b|\bemail us\b"
    r"|\be-mail us\b|\bchat\b|\bform\b|\bhttps?://"
)
NOT_ASKING = _p(
    r"\b(?:do not|don'?t|never|please delete|remove|avoid) (?:\w+ ){0,3}(?:share|post|include|tweet|publish)|\bdelete\b"
    r"|\bwithout (?:revealing|sharing|posting)\b|\bcheck your (?:e-?mail|inbox|phone|spam)\b"
)
SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
