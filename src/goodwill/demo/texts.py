"""What people say to the brand: templates with slots, written for this world (no text from the datasets).

Each function returns `Said`: the text and the label the simulation meant (the ground truth a triage model
can be checked against). Severity follows the triage scale: 1 no explicit reproach, 2 disapproval,
3 accusation, 4 blame.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from goodwill.demo import brand as b

PROBLEMS: dict[str, tuple[str, ...]] = {
    "late": (
        "Ordered a bag of {coffee} {n} days ago and it still hasn't shipped",
        "Order {order} has said 'label created' for {n} days now",
        "My subscription box was due last week and nothing has arrived",
        "Tracking for {order} hasn't moved since it left Portland {n} days ago",
    ),
    "wrong_item": (
        "I ordered whole bean {coffee} and got it ground for espresso",
        "Opened my box and it's {coffee2} instead of the {coffee} I paid for",
        "Got a bag of decaf in my subscription. I have never ordered decaf",
    ),
    "double_charge": (
        "I was charged twice for my subscription this month",
        "My card shows two charges of ${price} for one order ({order})",
    ),
    "cancel": (
        "I've tried three times to cancel my subscription and the page just reloads",
        "Paused my subscription last month and got charged anyway",
    ),
    "stale": (
        "The roast date on my {coffee} was {weeks} weeks before it arrived",
        "This bag of {coffee} tastes flat, and the label says it was roasted over a month ago",
    ),
    "damaged": (
        "My bag of {coffee} arrived split open, beans all over the box",
        "The {gear} arrived with a cracked lid",
    ),
    "cafe": (
        "Waited {mins} minutes for one oat flat white at {cafe} this morning",
        "Was told the card machine was down at {cafe} and to come back later",
        "The barista at {cafe} rolled their eyes when I asked for decaf",
    ),
    "checkout": (
        "Checkout on your site keeps failing with 'payment declined' but my card works everywhere else",
        "Your site logged me out three times while I was trying to check out",
    ),
    "promo": (
        "Code {code} says it's expired but your post says it runs all week",
        "Tried {code} on a subscription and it didn't apply",
    ),
    "refund": (
        "I returned the {gear} {weeks} weeks ago and still no refund",
        "You promised a refund for order {order} and I'm still waiting",
    ),
    "taste": (
        "This batch of {coffee} tastes burnt, nothing like the last bag",
        "Something is off with the latest {coffee}: sour and thin however I brew it",
    ),
    "grinder": ("The handle of your hand grinder snapped after two weeks of normal use",),
}
SEVERITY: dict[int, tuple[str, ...]] = {
    1: (
        "Hi! {d}. Could you take a look?",
        "Quick one: {d}. Any idea what happened?",
        "{d} 🙁 Anything you can do?",
        "Not a big deal, but {dl}. What should I do?",
    ),
    2: (
        "{d}. Pretty disappointed, honestly.",
        "Not great: {dl}. Expected better from you.",
        "{d}. Really frustrating.",
        "{d}. Not the experience I signed up for.",
    ),
    3: (
        "{d}. Did anyone actually check it before it went out?",
        "{d}. You clearly don't care about getting this right.",
        "{d}. Third time something like this has happened. Sloppy.",
        "{d}, and nobody answers my emails. What is going on?",
    ),
    4: (
        "{d}. Absolutely unacceptable. I want a full refund today.",
        "{d}. You took my money and ignored me. Never ordering again and I'm telling everyone why.",
        "{d}. Worst customer service I've had from any company. Refund me.",
        "{d}. Shameful. Cancelling everything and disputing the charge with my bank.",
    ),
}
QUESTIONS: dict[str, tuple[str, ...]] = {
    "shipping": (
        "Do you ship to Canada?",
        "Any chance you ship to {ca_city}?",
        "How long does shipping to {state} take?",
    ),
    "pause": (
        "How do I pause my subscription for a month? Going travelling.",
        "Can I skip one delivery without cancelling?",
    ),
    "grind": ("What grind should I pick for {a_brewer}?", "Just got {a_brewer}. Which grind do I choose at checkout?"),
    "hours": ("Is {cafe} open on Sunday?", "What time does {cafe} close on Saturdays?"),
    "oat": ("Do you have oat milk at the café?", "Is there a non-dairy option besides oat at {cafe}?"),
    "decaf": ("How is your decaf processed?", "Is the Swiss Water Decaf actually chemical-free?"),
    "stock": ("When is the {coffee} back in stock?", "Will the {coffee} come back? It's been sold out for weeks"),
    "bags": ("Are your bags compostable?", "Can the coffee bags go in the curbside recycling?"),
    "class": ("When's the next brewing class?", "Do you run {brewer} classes for beginners?"),
    "freshness": ("How soon after roasting do you ship?", "How long do your beans stay fresh once opened?"),
    "gift": ("Do gift cards work in the café and online?", "Can I send a gift subscription to someone in {state}?"),
    "advice": (
        "Which of your coffees is the least bitter? My partner hates bitter coffee.",
        "Which bean would you pick for {a_brewer} if I like {notes}?",
    ),
}
LEADS = (
    "Do you do wholesale? We're opening a small café in {town} this spring.",
    "Could you do coffee for a 60-person office event next month?",
    "I run a B&B in {town} and would love to serve your coffee. Who should I talk to?",
    "Any chance of stocking your beans at our grocery co-op in {town}?",
)
PRAISE: dict[str, tuple[str, ...]] = {
    "coffee": (
        "The {coffee} is unreal. {notes_cap} all the way.",
        "Finally a bag of {coffee} that tastes like the label says: {notes}.",
        "Best cup I've made at home all year, thanks to your {coffee}.",
        "This {coffee} in my {brewer} ☕ 😍 perfect.",
    ),
    "cafe": (
        "{barista} at {cafe} remembered my order after one visit. That's how you keep regulars.",
        "Spent the morning working from {cafe}. Great coffee, kind people.",
        "The cortado at {cafe} today was perfect. Thank you {barista}!",
    ),
    "shipping": (
        "Ordered Sunday night, beans on my doorstep Tuesday. Roasted Monday! 👏",
        "Fastest coffee delivery I've ever had, and it smelled amazing when I opened the box.",
    ),
    "bags": ("Love that the bags are compostable. Small thing, big difference.",),
    "subscription": (
        "Six months of the subscription and not one dud bag. You folks are consistent.",
        "The subscription is the best thing I signed up for this year.",
    ),
    "class": ("Took the brewing class on Saturday. My {brewer} coffee has never been better, thank you!",),
    "service": (
        "Shoutout to the team for fixing my order mix-up so quickly.",
        "You sorted my order in a day. Thank you!",
    ),
}
RECOMMEND = (
    "If you're ever in Portland, go to {cafe}. Trust me.",
    "Gifted my dad a bag of {coffee} and now he won't buy supermarket coffee. Thanks, {short}!",
    "Everyone asking where my coffee's from: {short}. Get the {coffee}.",
    "My go-to gift this year: a {short} subscription. Everyone loves it.",
    "Third friend I've converted to {short} this month. The {coffee} does the talking.",
)
CHATTER = (
    "Rainy morning, {brewer}, {coffee}. Perfect.",
    "Pretty sure my cat likes the smell of {coffee} as much as I do",
    "Third cup and it's not even 10am. Send more {coffee}.",
    "The line at {cafe} on Saturdays is a good sign for them, a bad sign for my patience 😂",
    "Listening to the roaster crackle at {cafe}. What a sound.",
    "Saw the {short} van at {place} today!",
    "Monday survival kit: {coffee} and a playlist.",
)
HELLO = (
    "Just discovered you at {place}, followed!",
    "New follower here: a friend brought me a bag of {coffee} and I'm hooked.",
    "Hi {short}! Just moved to Portland and already love {cafe}.",
    "First order placed 🙌 Went with the {coffee}. Excited!",
    "Found you through a friend's post. Your feed makes me want to learn the {brewer}.",
)
SPAM = (
    "Hey dear 😍 love your page! DM us for a collab, we promote brands to 300k followers",
    "Earn $4,800 a week from home with crypto trading. DM me to learn how 📈",
    "Want 10k REAL followers? Check my bio 🔥🔥",
    "Your page has been reported for copyright violation. Verify your account to avoid suspension: "
    "meta-verify-support.help",
    "Congratulations! You've been selected for our brand ambassador program 💎 Send DM",
    "I can redesign your website for $99. Check DM.",
)
WAITING = (
    "Still waiting on an answer here.",
    "Hello? It's been {n} days.",
    "Any update? I sent my order number {n} days ago.",
    "Asked {n} days ago, still nothing. Great service 🙃",
    "Is anyone actually reading these?",
)
AFTER_CANNED = (
    "I already DMed you my order number. Twice.",
    "That's what you said last time. Still no reply to my DM.",
    "A copy-paste answer isn't help.",
)
AFTER_DEFENSIVE = (
    "Wow. So it's my fault now? Unbelievable.",
    "I'm not making this up, I have photos.",
    "Blaming the customer, classy. Done with you.",
)
THANKS = (
    "Amazing, thank you!",
    "Got it, thanks {signs}, really appreciate it.",
    "Perfect, thank you!",
    "Thanks, that answers it 🙏",
    "Oh great, thank you so much.",
)
THANKS_FIXED = (
    "Replacement arrived today, you're the best.",
    "All sorted, thank you {signs}!",
    "That was quick. Thanks for making it right.",
)
DM_ORDER = (
    "Hi, it's order {order}, under {name}.",
    "Order number is {order}. Thanks for looking into it.",
    "Sure: {order}. The account email is the one I always use.",
)
DM_VAGUE = ("Hi! DMing as you asked, about my order.", "Hey, messaging about the problem from earlier.")
COMMENTS: dict[str, tuple[tuple[str, str, str], ...]] = {  # post category -> (intent, topic, template)
    "promotional": (
        ("question", "promo_subs", "Does the code work on subscriptions too?"),
        ("question", "cafe_too", "Is this in the café too, or online only?"),
        ("praise", "ordered", "Ordered two bags, can't wait!"),
        ("chatter", "", "Every other post is a sale lately 😅"),
        ("feedback", "fewer_ads", "Could you post more brew guides and fewer ads?"),
        ("chatter", "", "@{friend} look, {coffee} is back"),
        ("question", "shipping", "Do you ship the sale bags to Canada?"),
        ("praise", "ordered", "Just stocked up, thank you!"),
    ),
    "expertise": (
        ("praise", "tip", "Tried this with my {brewer} this morning, so much sweeter. Thank you!"),
        ("question", "cold_brew", "What ratio would you use for cold brew?"),
        ("chatter", "", "Saving this."),
        ("question", "pre_ground", "Does this work with pre-ground?"),
    ),
    "authority": (
        ("praise", "article", "Really interesting read, thanks."),
        ("question", "process", "So is washed or natural better for espresso?"),
    ),
    "reputation": (
        ("praise", "sourcing", "This is why I buy from you."),
        ("question", "farm_share", "How much of the price goes to the farm?"),
        ("praise", "sourcing", "Love this transparency."),
    ),
    "visibility": (
        ("praise", "team", "The team looks so happy! 😍"),
        ("chatter", "", "Hi {barista}!!"),
        ("question", "roaster", "Is that the new roaster?"),
    ),
    "chat": (
        ("chatter", "", "{brewer}, every day."),
        ("chatter", "", "{coffee} in {a_brewer}, obviously"),
        ("chatter", "", "Cold brew, even in February"),
        ("chatter", "", "Whatever keeps me awake through meetings 😂"),
    ),
}
FEEDBACK = (
    "Would love a smaller bag size so I can try more of the single origins.",
    "Please bring back the Kenya Nyeri, it was the best thing you roasted last year.",
    "Your website's search is hard to use on a phone, just so you know.",
    "Suggestion: print the brew ratio on the back of the bag.",
    "It would be great if the subscription let me swap coffees each month.",
)
FACTS = ("coffee", "barista", "brewer", "order", "code", "gear")
TOWNS = ("Bath", "Camden", "Biddeford", "Freeport", "Belfast", "Kennebunk", "Rockland", "Yarmouth")
CA_CITIES = ("Toronto", "Halifax", "Ottawa", "Vancouver", "Montréal")
STATES = ("California", "Texas", "Florida", "Oregon", "Ohio", "Colorado")


@dataclass(frozen=True, slots=True)
class Said:
    """A text and what it was meant to be (the simulation's ground truth)."""

    text: str
    intent: str  # an Intent value
    severity: int = 0
    topic: str = ""  # the problem, question topic, praise subject or post category
    facts: tuple[tuple[str, str], ...] = ()  # slot values the text used (coffee, barista, ...) for a fitting reply

    def fact(self, name: str, default: str = "") -> str:
        return dict(self.facts).get(name, default)


class Says:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: tuple[tuple[str, str], ...] = ()

    def slots(self, **given: str) -> dict[str, str]:
        r = self.rng
        coffee = r.choice(b.COFFEES)
        values = {
            "coffee": coffee,
            "coffee2": r.choice([c for c in b.COFFEES if c != coffee]),
            "notes": b.NOTES[coffee],
            "notes_cap": b.NOTES[coffee].capitalize(),
            "brewer": r.choice(b.BREWERS),
            "gear": r.choice(b.GEAR[:4]),
            "code": r.choice(b.CODES),
            "barista": r.choice(b.BARISTAS),
            "place": r.choice(b.PLACES),
            "cafe": b.CAFE,
            "short": b.SHORT,
            "order": self.order(),
            "n": str(r.randint(3, 12)),
            "weeks": str(r.randint(3, 7)),
            "mins": str(r.randint(20, 45)),
            "price": f"{r.choice((18, 21, 24, 36, 42))}.00",
            "town": r.choice(TOWNS),
            "ca_city": r.choice(CA_CITIES),
            "state": r.choice(STATES),
            "friend": r.choice(("sam_j", "mel.k", "tomt")),
        }
        values["a_brewer"] = ("an " if values["brewer"][0] in "AEIOUaeiou" else "a ") + values["brewer"]
        values.update(given)
        return values

    def order(self) -> str:
        return f"#LK-{self.rng.randint(40_000, 59_999)}"

    def fill(self, template: str, **given: str) -> str:
        values = self.slots(**given)
        self.used = tuple((k, values[k]) for k in FACTS if "{" + k in template)
        return template.format(**values)

    def complaint(self, problem: str, severity: int, **given: str) -> Said:
        detail = self.fill(self.rng.choice(PROBLEMS[problem]), **given)
        frame = self.rng.choice(SEVERITY[severity])
        lowered = detail if detail.startswith(("I ", "I'")) else detail[0].lower() + detail[1:]
        text = frame.format(d=detail, dl=lowered)
        return Said(text, "complaint", severity, problem, self.used)

    def problem(self) -> str:
        return self.rng.choices(list(PROBLEMS), weights=(18, 10, 6, 6, 7, 8, 9, 7, 7, 6, 6, 3))[0]

    def severity(self, angry: bool = False) -> int:
        return self.rng.choices((1, 2, 3, 4), weights=(1, 2, 4, 4) if angry else (4, 4, 2, 1))[0]

    def question(self, topic: str | None = None) -> Said:
        topic = topic or self.rng.choice(list(QUESTIONS))
        return Said(self.fill(self.rng.choice(QUESTIONS[topic])), "question", 0, topic)

    def lead(self) -> Said:
        return Said(self.fill(self.rng.choice(LEADS)), "lead", 0, "wholesale")

    def praise(self, subject: str | None = None) -> Said:
        subject = subject or self.rng.choices(list(PRAISE), weights=(8, 4, 2, 1, 2, 1, 2))[0]
        text = self.fill(self.rng.choice(PRAISE[subject]))
        return Said(text, "praise", 0, subject, self.used)

    def recommend(self) -> Said:
        return Said(self.fill(self.rng.choice(RECOMMEND)), "praise", 0, "recommendation")

    def chatter(self) -> Said:
        return Said(self.fill(self.rng.choice(CHATTER)), "chatter")

    def hello(self) -> Said:
        return Said(self.fill(self.rng.choice(HELLO)), "chatter", 0, "hello")

    def feedback(self) -> Said:
        return Said(self.rng.choice(FEEDBACK), "feedback", 0, "suggestion")

    def spam(self) -> Said:
        return Said(self.rng.choice(SPAM), "spam")

    def waiting(self, severity: int, days: int) -> Said:
        return Said(
            self.fill(self.rng.choice(WAITING), n=str(max(days, 1))), "complaint", min(4, severity + 1), "no_answer"
        )

    def after_canned(self) -> Said:
        return Said(self.rng.choice(AFTER_CANNED), "complaint", 3, "canned_reply")

    def after_defensive(self) -> Said:
        return Said(self.rng.choice(AFTER_DEFENSIVE), "complaint", 4, "blamed")

    def thanks(self, signs: str = "", *, fixed: bool = False) -> Said:
        text = self.rng.choice([t for t in (THANKS_FIXED if fixed else THANKS) if signs or "{signs}" not in t])
        return Said(text.format(signs=signs), "praise", 0, "thanks")

    def dm_order(self, name: str, order: str, *, vague: bool = False) -> Said:
        if vague:
            return Said(self.rng.choice(DM_VAGUE), "feedback", 0, "order_details")
        return Said(self.rng.choice(DM_ORDER).format(order=order, name=name), "feedback", 0, "order_details")

    def comment(self, category: str) -> Said:
        intent, topic, template = self.rng.choice(COMMENTS[category])
        text = self.fill(template)
        return Said(text, intent, 0, topic or f"comment:{category}", self.used)


def fit(text: str, limit: int) -> str:
    """`text` cut at a word boundary to at most `limit` characters (with an ellipsis when cut)."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"
