"""What the brand says: replies in several styles (the good, the canned, the over-selling, the defensive)
and its own posts (mostly promotions), each written per network.

The styles are the simulation's ground truth for the replies tone guard and the audit: `canned` replies are
byte-identical across conversations, `oversell` pushes a product in a reply, `defensive` blames the customer.
"""

from __future__ import annotations

import random

from goodwill.demo import brand as b
from goodwill.domain.enums import Network

APOLOGY = {
    "late": "that order should have been with you days ago",
    "wrong_item": "you should have got exactly what you ordered",
    "double_charge": "a double charge is the last thing you need",
    "cancel": "cancelling should take one click",
    "stale": "that bag should have been fresh",
    "damaged": "it should have reached you in one piece",
    "cafe": "that's not the visit we want you to have",
    "checkout": "checkout shouldn't fight you",
    "promo": "that code should have worked",
    "refund": "that refund is overdue",
    "taste": "that batch doesn't sound right",
    "grinder": "that grinder should last years",
    "no_answer": "we left you waiting far too long",
    "canned_reply": "you deserved a real answer",
    "blamed": "that reply was out of line",
}
FIX = {
    "late": "A fresh bag is on its way today, tracking to follow by email.",
    "wrong_item": "The right bag ships today, keep the other one on us.",
    "double_charge": "The second charge is refunded, it shows in 3-5 days.",
    "cancel": "Your subscription is cancelled and confirmed by email.",
    "refund": "The refund went through this morning, 3-5 days to show.",
    "cafe": "Your next two drinks at the café are on us, just mention your name.",
    "promo": "I've refunded the difference, the code should have applied.",
    "checkout": "I've placed the order for you by hand at the same price; it ships tomorrow.",
    "grinder": "A new grinder ships today, no need to send the old one back.",
}
REPLACED = ("late", "wrong_item", "stale", "damaged", "taste", "grinder")  # fixes that ship something
ANSWERS = {
    "shipping": "We ship to Canada and every US state: a flat $14 to Canada (5-8 days), free in the US over $40.",
    "pause": "Account > Subscriptions > Skip next delivery, or send us your email and we'll pause it for you.",
    "grind": "Pick the grind named after your brewer at checkout, or whole bean if you have a burr grinder.",
    "hours": "The café is open 7-5 Monday to Saturday and 8-2 on Sunday.",
    "oat": "Oat, almond and soy, all at no extra charge.",
    "decaf": "Swiss Water process: just water, time and filters, no solvents.",
    "stock": "A new lot lands in about two weeks; we'll post the day it's roasted.",
    "bags": "The bags are home-compostable; pop the valve out and recycle it.",
    "class": "Next class is Saturday at 10, $25 with a bag to take home: larkspur.coffee/classes",
    "freshness": "Every bag ships within 48 hours of roasting; best within a month of opening.",
    "gift": "Gift cards work in the café and online, and never expire.",
    "advice": "Try the Colombia Huila: sweet, round and never bitter.",
    "wholesale": "We'd love to! Email wholesale@larkspur.coffee and we'll set up a tasting.",
    "promo_subs": "Yes, the code works on subscriptions too, for the first box.",
    "cafe_too": "Online only this time, sorry! The café has its own loyalty card.",
    "cold_brew": "1:8 coarse, 16 hours in the fridge, then dilute 1:1.",
    "pre_ground": "It does, just shorten the brew by 30 seconds or so.",
    "process": "Washed for a classic espresso, natural if you like it fruity.",
    "farm_share": "About 31% of the bag price goes to the farm; the Journal has the full breakdown.",
    "roaster": "It is! A 15 kg Diedrich, installed last month.",
}
THANK_BACK = {
    "coffee": "The {coffee} is our favourite this season too, so glad it landed for you.",
    "cafe": "I'll tell {barista}, that will make their week.",
    "shipping": "Our roaster will be thrilled to hear it.",
    "class": "Come show us your new skills anytime!",
    "subscription": "Thanks for sticking with us!",
    "recommendation": "Thank you for spreading the word, it means the world to a small roaster.",
    "bags": "It took us ages to get right, glad it shows!",
    "service": "Happy we could put it right.",
}
CANNED = (
    "Thanks for reaching out! Please send us a DM with your order number and we'll look into it. ☕",
    "We're sorry to hear that! Please DM us so we can help.",
    "Thank you so much! We appreciate you! ❤️",
    "Thanks for your question! Please check our FAQ at larkspur.coffee/faq",
)
OVERSELL = (
    "So glad you love it!! Don't miss our Holiday Box, 25% off this week only with code COZY20. "
    "Best coffee gift in New England, guaranteed! 🔥☕🎁",
    "Sorry about that! While you wait, why not try our award-winning Espresso No. 9? "
    "The #1 espresso in Maine, now 15% off! ☕🏆",
    "Thanks!! Did you know subscribers save 15% on EVERY bag? "
    "Sign up today at larkspur.coffee/shop and never run out! 🚀",
    "Great question! Our coffees are simply the best you can buy. Shop the full range at larkspur.coffee/shop 🔥",
)
DEFENSIVE = {
    "late": "Our records show the order left on time. Please check with your neighbours before posting.",
    "refund": "Our records show the refund was processed on our side. Please check with your bank.",
    "damaged": "Our records show the parcel left us intact. Please take it up with the carrier.",
    "wrong_item": "The grind option is chosen by you at checkout, so please double-check next time.",
    "taste": "We've never had a complaint like this before. It may be your brewing method.",
    "stale": "We've never had a complaint like this before. It may be how the beans were stored.",
    "cafe": "Our staff follow the same process every day. We can't comment on one visit.",
    "": "Our system shows no errors on our side. Please check your own settings before posting.",
}
CHECKING = "Good question, let me check with the roastery and get back to you today."
LATE = ("Sorry for the slow reply! ", "Apologies, this slipped through. ", "So sorry we missed this. ")
POSTS: dict[str, tuple[str, ...]] = {
    "promotional": (
        "FLASH SALE ⚡ {pct}% off all {coffee} this weekend with code {code}. Shop now: {shop}",
        "It's back! {coffee} ({notes}) just landed. Limited bags, order today before it's gone: {shop}",
        "Never run out again: subscribe and save 15% on every bag. {shop}",
        "Free shipping on every order over $40, this week only! {shop}",
        "Gift season is here 🎁 Larkspur gift cards, the perfect present for the coffee lover in your life. {shop}",
        "NEW in the shop: the {gear}. Treat yourself ☕ {shop}",
        "Last chance! {pct}% off ends at midnight. Code {code}: {shop}",
        "Bundle & save: any 3 bags for $45. Mix and match your favourites: {shop}",
        "Our {coffee} is the best coffee in Maine. Don't take our word for it, order a bag today! {shop}",
    ),
    "expertise": (
        "Brew tip: for the {coffee} on a {brewer}, try 1:16 at 94°C. Bloom 40 s, aim to finish by 3:00.",
        "Bitter cup? Grind a notch coarser before you blame the beans. Sour? Go finer.",
        "Store beans in an airtight tin away from light. Not the freezer door, please.",
        "If your tap water is hard, a simple filter jug makes the {coffee} taste brighter. Try it side by side.",
    ),
    "authority": (
        "What does 'natural process' mean, and why does the Guji taste of blueberries? "
        "New on the Journal: {site}/journal",
        "Roast date vs best-before: what to look for on a bag of coffee. A short guide on the Journal.",
    ),
    "reputation": (
        "This lot of {origin} came from {farm}. We paid 2.4x the Fairtrade minimum, and here's why it matters.",
        "All our bags are now home-compostable. It took 18 months of testing to get right.",
    ),
    "visibility": (
        "Behind the scenes: {member} cupping this week's roasts at 6am.",
        "Say hi to {barista}, who pulled 400 shots at {cafe} on Saturday.",
        "The roaster is fired up and the whole street smells of {coffee}.",
    ),
    "chat": (
        "What are you brewing this weekend?",
        "Hot take: cold brew is better in winter. Agree or disagree?",
        "{brewer} or {brewer2}? Settle it in the comments.",
        "Describe your perfect cup in three words.",
    ),
}
ARTICLES = {
    "expertise": ("How to dial in a {brewer} in five cups", "Grind size, explained without the jargon"),
    "authority": ("Natural, washed, honey: what processing does to your cup", "Reading a coffee label like a roaster"),
    "reputation": ("Visiting {farm}", "Why we pay more than Fairtrade"),
    "promotional": ("Our holiday gift guide: the best Larkspur bundles", "Meet the new {coffee}: limited release"),
}
ARTICLE_BODY = {
    "expertise": (
        "We get asked about this at the café every week, so here is the long answer, with the {coffee} "
        "({notes}) as our example.",
        "Start with fresh beans, weigh everything, and change one thing at a time. Write down what you did. "
        "Taste, adjust, taste again.",
    ),
    "authority": (
        "Every bag we roast says how the coffee was processed, and it matters more than the origin on the label.",
        "Take the {coffee}: {notes}. Those flavours start at the farm, long before the roaster touches the beans.",
    ),
    "reputation": (
        "This lot of {origin} came from {farm}. We buy directly and pay well above the Fairtrade minimum.",
        "Here is what that money does, in the words of the people who grow it.",
    ),
    "promotional": (
        "Looking for a present for the coffee lover in your life? These are our favourite bundles this season, "
        "from the {coffee} ({notes}) to the {gear}.",
        "Shop them all at {shop} and use code {code} for {pct}% off until Sunday.",
    ),
}
DECK = (("promotional", 13), ("expertise", 2), ("authority", 1), ("reputation", 2), ("visibility", 1), ("chat", 1))
TAGS = {
    Network.INSTAGRAM: "#specialtycoffee #portlandmaine #coffeeroasters #coffeetime #{tag}",
    Network.MASTODON: "#Coffee #PortlandMaine #SpecialtyCoffee",
}


class Voice:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._deck: list[str] = []

    def _slots(self) -> dict[str, str]:
        r = self.rng
        coffee = r.choice(b.COFFEES)
        brewer = r.choice(b.BREWERS)
        code = r.choice(b.CODES)
        origin = r.choice(list(b.FARMS))
        return {
            "coffee": coffee,
            "notes": b.NOTES[coffee],
            "brewer": brewer,
            "brewer2": r.choice([x for x in b.BREWERS if x != brewer]),
            "code": code,
            "pct": code.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"),
            "gear": r.choice(b.GEAR[:4]),
            "origin": origin,
            "farm": b.FARMS[origin],
            "barista": r.choice(b.BARISTAS),
            "cafe": b.CAFE,
            "site": b.SITE,
            "shop": b.SHOP,
            "member": r.choice([m.signs for m in b.TEAM[:4]]),
        }

    # replies -----------------------------------------------------------------------------------------------
    def reply(
        self,
        style: str,
        intent: str,
        topic: str,
        first: str,
        signs: str,
        *,
        late: bool,
        facts: tuple[tuple[str, str], ...] = (),
    ) -> str:
        """A reply to a message of `intent` about `topic`, in `style` (personal, canned, oversell, defensive)."""
        r = self.rng
        if style == "canned":
            return CANNED[{"complaint": r.choice((0, 1)), "praise": 2, "question": 3}.get(intent, r.choice((0, 2)))]
        if style == "oversell":
            return OVERSELL[{"praise": 0, "complaint": 1}.get(intent, r.choice((2, 3)))]
        if style == "defensive":
            return DEFENSIVE.get(topic, DEFENSIVE[""])
        opening = r.choice(LATE) if late else ""
        sign = f" – {signs}" if r.random() < 0.6 else ""
        if intent == "complaint":
            body = (
                f"{first}, I'm so sorry, {APOLOGY.get(topic, 'that is not okay')}. Could you DM us your order "
                f"number? I'll sort it out today and check back with you tomorrow."
            )
        elif intent in ("question", "lead"):
            body = f"Hi {first}! {ANSWERS.get(topic, CHECKING)}"
        elif intent == "praise":
            back = THANK_BACK.get(topic, "This made our morning.").format(**{**self._slots(), **dict(facts)})
            body = f"Thank you, {first}! {back}"
        else:
            body = f"Thanks {first}! ☕"
        return opening + body + sign

    def ask_details(self, first: str, signs: str) -> str:
        return (
            f"Hi {first}, {signs} here. Could you send the order number and the email on the account? "
            "I'll take it from there."
        )

    def resolve(self, topic: str, first: str, signs: str, facts: tuple[tuple[str, str], ...] = ()) -> str:
        gear = dict(facts).get("gear")
        if gear and topic in ("damaged", "grinder", "refund"):
            fix = f"A new {gear} ships today, no need to send the broken one back." if topic != "refund" else FIX[topic]
        else:
            fix = FIX.get(topic, "A replacement bag ships today, tracking to follow by email.")
        return f"Thanks {first}! {fix} So sorry about this. – {signs}"

    def check_in(self, first: str, signs: str) -> str:
        return f"Hi {first}, just checking everything arrived and tastes as it should? – {signs}"

    def welcome(self, first: str, signs: str) -> str:
        return (
            f"Welcome aboard, {first}! If you like fruity cups, the Ethiopia Guji is the one to start with. "
            f"Shout if you have any questions. – {signs}"
        )

    # own posts ---------------------------------------------------------------------------------------------
    def category(self) -> str:
        """The next post's category, dealt from shuffled decks so the feed's mix holds for any seed."""
        if not self._deck:
            self._deck = [c for c, n in DECK for _ in range(n)]
            self.rng.shuffle(self._deck)
        return self._deck.pop()

    def post(self, category: str) -> dict[str, str]:
        """The slots of one post, so every channel's variant says the same thing."""
        slots = self._slots()
        slots["body"] = self.rng.choice(POSTS[category]).format(**slots)
        slots["tag"] = slots["coffee"].split()[0].lower()
        return slots

    def variant(self, network: Network, slots: dict[str, str]) -> str:
        body = slots["body"]
        if network is Network.INSTAGRAM:
            body = body.replace(slots["shop"], "Link in bio!").replace(f"{slots['site']}/journal", "link in bio")
            return body + "\n\n" + TAGS[Network.INSTAGRAM].format(tag=slots["tag"])
        if network is Network.MASTODON:
            return body + "\n\n" + TAGS[Network.MASTODON]
        if network is Network.FACEBOOK:
            return (
                body
                + " "
                + self.rng.choice(
                    (
                        "Tag a friend who needs this!",
                        "Questions? Ask below, we read everything.",
                        "See you at the café!",
                    )
                )
            )
        return body

    def article(self, category: str) -> tuple[str, str]:
        slots = self._slots()
        title = self.rng.choice(ARTICLES.get(category, ARTICLES["expertise"])).format(**slots)
        paragraphs = [title, *(p.format(**slots) for p in ARTICLE_BODY.get(category, ARTICLE_BODY["expertise"]))]
        return title, "\n\n".join(paragraphs)
