"""The people of the demo world: who they are, which networks they are on, and what part they play.

A `Human` is the ground truth (one real person); an `Account` is what a network shows of them and becomes an
Identity when they write. Humans with two accounts stay two People after ingest: their profiles carry the
evidence a later merge can find (the same website, a Bluesky handle that is their domain, the same username,
the same name and avatar, or the same text posted on both), and one decoy pair shares only a common name.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from goodwill.demo import brand
from goodwill.demo.ids import Ids, email_hash, gravatar
from goodwill.domain.enums import Network


def _words(text: str, sep: str | None = None) -> tuple[str, ...]:
    return tuple(w.strip() for w in text.split(sep) if w.strip())


# the parts people play (the ground truth; see Cast in goodwill.demo.world)
ADVOCATE = "advocate"  # praises and recommends us again and again, recently too
COLD_ADVOCATE = "cold_advocate"  # was an advocate, silent for the last weeks
GOING_COLD = "going_cold"  # talked with us regularly, silent for the last weeks
REGULAR = "regular"  # a long history of mixed conversations
AT_RISK = "at_risk"  # friendly before, recent complaints left unresolved
NEW = "new"  # first message in the last ten days
ONE_OFF = "one_off"  # one conversation
AUDIENCE = "audience"  # only comments on our posts
SPAMMER = "spammer"
INFLUENCER = "influencer"  # a large following; engaged once or twice

FIRST = _words(
    """
    Dana Marcus Priyanka Tomás Aisha Ben Chloe Dmitri Elena Femi Grace Hiro Ines Jamal Kate Liam Mei Nadia Owen
    Paula Quinn Rafael Sara Tariq Uma Victor Wen Yara Zoë Andre Beatriz Caleb Divya Eamon Fatima Gus Hannah Ivan
    Joy Kofi Lucia Mateo Noor Olga Pete Rosa Sean Tess Ulla Vikram Will Xin Yusuf Zainab Abby Bruno Carmen Derek
    Esther Finn Gemma Hector Isla Jonas Keiko Leon Maggie Nico Ophelia Patrick Ruth Sofia Theo Ursula Valerie
    Walt Ximena Yuki Zach Siobhán José Björn Amara Colm Renée
    """
)
LAST = _words(
    """
    Kowalski Okafor Nguyen Silva Haddad Murphy Larsen Petrov Rossi Adeyemi Tanaka Fischer Cohen Moreau Patel
    Brennan Lindgren Castillo Osei Novak Ferreira Kim Walsh Iyer Duarte Hughes Santos Bauer Mensah O'Neill Costa
    Ahmed Berg Chavez Dubois Eriksen Gallagher Horvath Ibrahim Jensen Kaur Lopez MacLeod Nakamura Olsen Pereira
    Quinlan Reyes Schmidt Thornton Underwood Vargas Weiss Yilmaz Zhou Abernathy Bianchi Carvalho Dempsey Ekström
    Farouk Greer Hale
    """
)
CITIES = _words(
    """
    Portland, ME; South Portland; Brunswick, ME; Boston; Providence; Burlington, VT; Portsmouth, NH; Brooklyn;
    Montréal; Halifax; Saco, ME; Bangor; Cambridge, MA; Falmouth, ME;
    """,
    ";",
)
JOBS = _words(
    """
    nurse; teacher; UX designer; software engineer; grad student; dad of two; mum of three; cyclist; carpenter;
    librarian; line cook; photographer; marine biologist; retired engineer; product manager; barista (not yours);
    sourdough enthusiast; illustrator; ER doctor; musician;
    """,
    ";",
)
LIKES = _words(
    """
    coffee; trail running; bad puns; sea swimming; vinyl; board games; knitting; hiking; birding; jazz;
    gardening; climbing; baking; film photography; Celtics; sailing; books;
    """,
    ";",
)
WORDS = _words(
    """
    coffee brew bean salt pine fog tide maple moss kettle north harbor
    """
)
MASTODON_HOSTS = _words(
    """
    hachyderm.io mastodon.online fosstodon.org mstdn.social toot.cafe mas.to social.coop mastodon.social
    mainer.social infosec.exchange
    """
)
TLDS = _words(
    """
    .com .net .me .design .studio .blog .dev .co
    """
)
MAILHOSTS = ("gmail.com", "proton.me", "fastmail.com", "icloud.com", "yahoo.com")
ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"
X_AVATARS = "https://pbs.twimg.com/profile_images"
BSKY_AVATARS = "https://cdn.bsky.app/img/avatar/plain"
MASTODON_AVATARS = "https://files.mastodon.social/cache/accounts/avatars"
IG_AVATARS = "https://scontent.cdninstagram.com/v/t51.2885-19"
FB_AVATARS = "https://platform-lookaside.fbsbx.com/platform/profilepic/"
# how a cross-network pair can be told, and on which two networks it lives
EVIDENCE: tuple[tuple[str, Network, Network], ...] = (
    ("website", Network.X, Network.MASTODON),
    ("website", Network.BLUESKY, Network.BLOG),
    ("website", Network.X, Network.BLOG),
    ("website", Network.MASTODON, Network.BLUESKY),
    ("handle_domain", Network.BLUESKY, Network.X),
    ("handle_domain", Network.BLUESKY, Network.MASTODON),
    ("same_handle", Network.INSTAGRAM, Network.X),
    ("same_handle", Network.INSTAGRAM, Network.BLUESKY),
    ("name_avatar", Network.FACEBOOK, Network.INSTAGRAM),
    ("name_avatar", Network.FACEBOOK, Network.X),
    ("crosspost", Network.X, Network.BLUESKY),
    ("crosspost", Network.MASTODON, Network.BLUESKY),
    ("website", Network.X, Network.BLUESKY),
    ("name_avatar", Network.INSTAGRAM, Network.BLUESKY),
)
PRIMARY = (
    (Network.X, 26),
    (Network.INSTAGRAM, 24),
    (Network.FACEBOOK, 20),
    (Network.BLUESKY, 14),
    (Network.MASTODON, 10),
    (Network.BLOG, 6),
)


@dataclass(slots=True, eq=False)
class Account:
    """One Human's account on one network, as that network describes it."""

    network: Network
    native_id: str
    handle: str | None
    display_name: str
    id_scope: str
    avatar_url: str
    profile_url: str | None
    followers: int
    human: Human
    website: str | None = None
    bio: str = ""
    email: str | None = None  # blog commenters leave one
    created_at: datetime | None = None
    dm_thread: str | None = None  # the private conversation with us, once there is one

    @property
    def key(self) -> tuple[str, str, str]:
        """The Identity this account becomes: (network, id_scope, native_id)."""
        return (self.network.value, self.id_scope, self.native_id)


@dataclass(slots=True, eq=False)
class Human:
    key: str
    first: str
    last: str
    persona: str
    city: str
    accounts: list[Account] = field(default_factory=list)
    website: str | None = None
    evidence: str | None = None  # how their two accounts can be matched; None for one account
    decoy_of: str | None = None  # another human's key: same name, different person

    @property
    def name(self) -> str:
        return f"{self.first} {self.last}"

    def on(self, network: Network) -> Account | None:
        return next((a for a in self.accounts if a.network is network), None)


def ascii_fold(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower().replace("'", "")


class Population:
    """Draws humans and their accounts; every handle is unique on its network."""

    def __init__(self, rng: random.Random, ids: Ids, start: datetime) -> None:
        self.rng = rng
        self.ids = ids
        self.start = start
        self.humans: list[Human] = []
        self._handles: set[tuple[Network, str]] = set()

    # naming ------------------------------------------------------------------------------------------------
    def _handle_base(self, human: Human) -> str:
        f, last, r = ascii_fold(human.first), ascii_fold(human.last), self.rng
        return r.choice(
            (
                f"{f}{last}",
                f"{f}_{last}",
                f"{f}.{last[0]}",
                f"{f[0]}{last}",
                f"{f}{r.randint(2, 99)}",
                f"{f}_{r.choice(WORDS)}",
                f"{r.choice(WORDS)}{f}",
                f"{f}{last[:4]}",
                f"{last}{f[0]}",
                f"the{f}{last[0]}",
            )
        )

    def _claim(self, network: Network, wanted: str, fit: int, allowed: str) -> str:
        base = "".join(c if c in allowed else "_" for c in wanted)[:fit].strip("._") or "user"
        handle, n = base, 1
        while (network, handle) in self._handles:
            n += 1
            handle = f"{base[: fit - len(str(n))]}{n}"
        self._handles.add((network, handle))
        return handle

    def _website(self, human: Human) -> str:
        f, last = ascii_fold(human.first), ascii_fold(human.last).replace(" ", "")
        kind = self.rng.choice(("studio", "makes", "writes"))
        return self.rng.choice(
            (f"https://{f}{last}", f"https://{last}{kind}", f"https://{f}-{last}")
        ) + self.rng.choice(TLDS)

    def _followers(self, persona: str) -> int:
        if persona == INFLUENCER:
            return self.rng.randint(18_000, 64_000)
        if persona == SPAMMER:
            return self.rng.choice((self.rng.randint(0, 40), self.rng.randint(5_000, 90_000)))
        return max(0, int(self.rng.lognormvariate(5.0, 1.25)))

    def _bio(self, human: Human) -> str:
        r = self.rng
        if human.persona == SPAMMER:
            return r.choice(("💰 Crypto mentor | DM for signals", "Growth agency 🚀 brands 10x", "Collabs & promos"))
        if human.persona == INFLUENCER:
            return f"Food & drink writer in {human.city}. Cafés, bakeries, the odd lobster roll."
        job, like = r.choice(JOBS), r.choice(LIKES)
        return f"{job[0].upper()}{job[1:]} in {human.city}. {like[0].upper()}{like[1:]} & {r.choice(LIKES)}."

    # accounts ----------------------------------------------------------------------------------------------
    def account(
        self, human: Human, network: Network, *, handle: str | None = None, avatar: str | None = None
    ) -> Account:
        wanted = handle or self._handle_base(human)
        followers = self._followers(human.persona)
        created = self.start - timedelta(days=self.rng.randint(20, 4000))
        native, shown, scope, picture, profile = self._identity(human, network, wanted, handle)
        acc = Account(network, native, shown, human.name, scope, avatar or picture(), profile, followers, human)
        acc.website = human.website if network not in (Network.FACEBOOK, Network.INSTAGRAM) else None
        if network is Network.BLOG:  # WordPress knows a name, an email (hashed here) and an optional website
            acc.email = self._email(human)
            acc.native_id, acc.avatar_url = email_hash(acc.email), avatar or gravatar(acc.email)
            acc.display_name = self.rng.choice((human.name, human.first, f"{human.first} {human.last[0]}."))
            acc.profile_url, acc.followers = human.website, 0
        acc.bio = self._bio(human)
        acc.created_at = created
        human.accounts.append(acc)
        return acc

    def _identity(
        self, human: Human, network: Network, wanted: str, handle: str | None
    ) -> tuple[str, str | None, str, Callable[[], str], str | None]:
        """(native id, handle, id scope, avatar maker, profile URL) as `network` shows the account."""
        r, ids, us = self.rng, self.ids, brand.BY_NETWORK[network]
        if network is Network.X:
            h = self._claim(network, wanted.replace(".", "_"), 15, ALNUM + "_")
            tail = ids.chars("abcdefghijkmnpqrstuvwxyzABCDEFGH", 8)
            return (
                ids.x_user(),
                h,
                "",
                lambda: f"{X_AVATARS}/{ids.digits(19, '1')}/{tail}_normal.jpg",
                f"https://x.com/{h}",
            )
        if network is Network.BLUESKY:
            if handle and "." in handle:
                h = self._claim(network, handle, 253, ALNUM + ".-")
            else:
                h = self._claim(network, wanted.replace("_", "-").replace(".", "-"), 18, ALNUM + "-") + ".bsky.social"
            did = ids.did()
            return did, h, "", lambda: f"{BSKY_AVATARS}/{did}/{ids.cid()}@jpeg", f"https://bsky.app/profile/{h}"
        if network is Network.MASTODON:
            host = r.choice(MASTODON_HOSTS)
            user = self._claim(network, wanted.replace(".", "_"), 30, ALNUM + "_")
            native = ids.mastodon_account()
            path = "/".join(native[i : i + 3] for i in range(0, 18, 3))
            acct = user if host == "mastodon.social" else f"{user}@{host}"

            def picture() -> str:
                return f"{MASTODON_AVATARS}/{path}/original/{ids.chars('0123456789abcdef', 16)}.png"

            return native, acct, f"server:{urlhost(us.host)}", picture, f"https://{host}/@{user}"
        if network is Network.INSTAGRAM:
            h = self._claim(network, wanted, 30, ALNUM + "._")
            return (
                ids.digits(17, "17841"),
                h,
                f"ig:{us.account_id}",
                lambda: f"{IG_AVATARS}/{ids.digits(18, '4')}_n.jpg",
                f"https://www.instagram.com/{h}/",
            )
        if network is Network.FACEBOOK:
            psid = ids.digits(r.choice((16, 17)), first=str(r.randint(1, 9)))
            return psid, None, f"page:{us.account_id}", lambda: f"{FB_AVATARS}?psid={psid}&height=100", None
        return "", None, "", lambda: "", None  # the blog: filled in by `account`

    def _email(self, human: Human) -> str:
        local = f"{ascii_fold(human.first)}.{ascii_fold(human.last).replace(' ', '')}"
        return f"{local}@{self.rng.choice(MAILHOSTS)}"

    def human(
        self, persona: str, networks: list[Network] | None = None, *, first: str | None = None, last: str | None = None
    ) -> Human:
        r = self.rng
        human = Human(
            key=f"h{len(self.humans) + 1:04d}",
            first=first or r.choice(FIRST),
            last=last or r.choice(LAST),
            persona=persona,
            city=r.choice(CITIES),
        )
        if persona == SPAMMER:
            human.first, human.last = r.choice(
                (
                    ("Promo", "Agent"),
                    ("Crypto", "Mentor"),
                    ("Brand", "Partnerships"),
                    ("Meta", "Support"),
                    ("Growth", "Studio"),
                    ("Lisa", "Collabs"),
                )
            )
        if persona != SPAMMER and r.random() < 0.35:
            human.website = self._website(human)
        for network in networks or [self.primary()]:
            self.account(human, network)
        self.humans.append(human)
        return human

    def primary(self) -> Network:
        return self.rng.choices([n for n, _ in PRIMARY], weights=[w for _, w in PRIMARY])[0]

    def cross_network(self, persona: str, evidence: str, a: Network, b: Network) -> Human:
        """A human on two networks, with the evidence that lets a later merge find them."""
        human = Human(
            key=f"h{len(self.humans) + 1:04d}",
            first=self.rng.choice(FIRST),
            last=self.rng.choice(LAST),
            persona=persona,
            city=self.rng.choice(CITIES),
            evidence=evidence,
        )
        if evidence in ("website", "handle_domain"):
            human.website = self._website(human)
        domain = urlhost(human.website) if human.website else None
        if evidence == "handle_domain" and domain:
            self.account(human, a, handle=domain)
            self.account(human, b)
        elif evidence == "same_handle":
            shared = "".join(c for c in self._handle_base(human) if c.isalnum())[:15]
            first = self.account(human, a, handle=shared)
            self.account(human, b, handle=first.handle)
        elif evidence == "name_avatar":
            photo = f"https://{ascii_fold(human.first)}{ascii_fold(human.last)}.photos/me.jpg"
            self.account(human, a, avatar=photo)
            self.account(human, b, avatar=photo)
        else:
            self.account(human, a)
            self.account(human, b)
        self.humans.append(human)
        return human


def urlhost(url: str | None) -> str:
    if not url:
        return ""
    return url.split("://", 1)[-1].split("/", 1)[0]
