"""The simulated brand: Larkspur Coffee Roasters, a small roaster and café in Portland, Maine.

Facts only: its accounts on each network, its team, its products and the limits each network sets on text.
Everything random lives in `people`, `story` and `texts`; this module is the same for every seed.
"""

from __future__ import annotations

from dataclasses import dataclass

from goodwill.domain.enums import Network, Role

NAME = "Larkspur Coffee Roasters"
SHORT = "Larkspur"
TIMEZONE = "America/New_York"
SITE = "https://larkspur.coffee"
SHOP = "larkspur.coffee/shop"
CAFE = "the Fore St café"
CITY = "Portland"


@dataclass(frozen=True, slots=True)
class BrandAccount:
    """Our account on one network: what a connector would store on the Channel row."""

    network: Network
    account_id: str  # native id of our account (the Channel's account_id)
    handle: str
    name: str
    mention: str  # how people @ us in text on this network ("" where nobody types a mention)
    host: str | None = None  # Mastodon instance, blog base URL
    limit: int = 280  # longest text the network takes, in characters (graphemes on Bluesky)
    posts_a_week: float = 3.0  # the team's habit; gaps are cut out of it by the story


ACCOUNTS: tuple[BrandAccount, ...] = (
    BrandAccount(
        Network.X, "1298745603312459776", "larkspurcoffee", NAME, "@larkspurcoffee", limit=280, posts_a_week=6.5
    ),
    BrandAccount(
        Network.BLUESKY,
        "did:plc:l4rkspurcoffee7ro4st3rsz",
        "larkspur.coffee",
        NAME,
        "@larkspur.coffee",
        limit=300,
        posts_a_week=3.5,
    ),
    BrandAccount(
        Network.MASTODON,
        "109384712093847562",
        "larkspur@mastodon.social",
        NAME,
        "@larkspur",
        host="https://mastodon.social",
        limit=500,
        posts_a_week=2.5,
    ),
    BrandAccount(
        Network.INSTAGRAM,
        "17841402218734511",
        "larkspur.coffee",
        NAME,
        "@larkspur.coffee",
        limit=2200,
        posts_a_week=4.5,
    ),
    BrandAccount(
        Network.FACEBOOK, "104938271650234", "Larkspur Coffee Roasters", NAME, "", limit=8000, posts_a_week=3.5
    ),
    BrandAccount(
        Network.BLOG,
        "https://larkspur.coffee/journal",
        "The Larkspur Journal",
        "The Larkspur Journal",
        "",
        host="https://larkspur.coffee",
        limit=20000,
        posts_a_week=0.5,
    ),
)
BY_NETWORK = {a.network: a for a in ACCOUNTS}


@dataclass(frozen=True, slots=True)
class Member:
    name: str
    email: str
    role: Role
    signs: str  # how they sign a personal reply
    share: float  # how much of the replying they do
    away_last_days: int = 0  # away for the last N days of the simulated period


TEAM: tuple[Member, ...] = (
    Member("Maya Lindqvist", "maya@larkspur.coffee", Role.OWNER, "Maya", 0.12),
    Member("Theo Barros", "theo@larkspur.coffee", Role.ADMIN, "Theo", 0.18),
    Member("Sam Okafor", "sam@larkspur.coffee", Role.AGENT, "Sam", 0.35),
    Member("Priya Raman", "priya@larkspur.coffee", Role.AGENT, "Priya", 0.25),
    Member("Jonah Whitfield", "jonah@larkspur.coffee", Role.AGENT, "Jonah", 0.10, away_last_days=12),
    Member("Ruth Adler", "ruth@larkspur.coffee", Role.VIEWER, "Ruth", 0.0),
)

COFFEES = (
    "Harbour Blend",
    "Ethiopia Guji",
    "Colombia Huila",
    "Kenya Nyeri",
    "Sumatra Aceh",
    "Espresso No. 9",
    "Foghorn Dark Roast",
    "Swiss Water Decaf",
    "Guatemala Huehue",
)
NOTES = {
    "Harbour Blend": "milk chocolate and toasted almond",
    "Ethiopia Guji": "blueberry and jasmine",
    "Colombia Huila": "red apple and panela",
    "Kenya Nyeri": "blackcurrant and grapefruit",
    "Sumatra Aceh": "cedar and dark cocoa",
    "Espresso No. 9": "cherry cola and caramel",
    "Foghorn Dark Roast": "molasses and smoke",
    "Swiss Water Decaf": "brown sugar and walnut",
    "Guatemala Huehue": "orange and toffee",
}
FARMS = {  # the single origins we buy directly, and from whom
    "Ethiopia Guji": "the Tadesse family in Guji",
    "Colombia Huila": "Finca La Esperanza in Huila",
    "Kenya Nyeri": "the Gatomboya cooperative in Nyeri",
    "Guatemala Huehue": "Asociación Chojil in Huehuetenango",
}
GEAR = ("hand grinder", "gooseneck kettle", "travel mug", "V60 starter kit", "cold brew cans", "gift card")
BREWERS = ("V60", "AeroPress", "French press", "Chemex", "moka pot", "espresso machine", "Kalita Wave", "drip machine")
CODES = ("COZY20", "FRESH15", "HARBOUR10", "BEANS25", "WEEKEND20")
BARISTAS = ("Lena", "Marcus", "Ife", "Dev", "Rosa")
PLACES = ("the Saturday farmers market", "Deering Oaks", "the Old Port", "Munjoy Hill", "the Commercial St pop-up")
