"""What a client's request costs under their package: included, a listed add-on, or a
price the owner must fill in. Pure: the request, the contract and the add-on list in,
a `Price` out.

Verdicts
- "included": the package covers it. A channel in `contract.channels` (also written
  "Insta", "IG", "Twitter"...), or a kind of work listed there ("stories"); a weekly volume
  within `posts_per_week` (or fewer posts); a new date for a deliverable or new posting
  days (a change of plan, confirmed in writing, not priced); a decision (nothing to
  price); a revision round within `revisions_per_month`, or any round when the package
  states no allowance (never tell a client "this is extra" on a guess).
- "addon": an add-on in the client's list covers it; `amount` is its listed price.
- "quote": nothing in the list fits: the owner fills in a price. (A volume asked for
  when `posts_per_week` is not set is the post add-on with `units` None: the price per
  post is known, how many are extra is not.)
- A new channel asked for with a volume ("3 posts a week on TikTok") is priced as the
  channel; a kind of work on a new channel ("TikTok ads") as the work.

How add-on keys are read. Keys are free-form ("extra_channel", "tiktok", "Ads
management", "extra_post_monthly"); each is split into words (any non-letter separates
them, accents and case ignored) and matched by what the words say:
- a channel name ("tiktok", "linkedin", "insta", "twitter"...): that channel;
- "channel", "platform", "network", "account", "réseau", "canal", "compte": any channel;
- "post", "posts", "publication": posts;  "revision", "round", "modification": revisions;
- "ads", "ad", "advertising", "paid", "sponsored", "boost", "pub", "publicité": ads;
- "story"/"stories", "reel"/"reels", "video", "newsletter"/"emailing",
  "campaign"/"campagne", "pillar"/"pilier": that kind of work.
A request takes the most specific key: for a channel, a key naming that channel (and
no kind of work: "tiktok_ads" prices TikTok ads, not the TikTok channel) before a
generic channel key; for work on a channel ("run TikTok ads"), a key naming both before
one naming the work alone. The channel itself is not priced on top: one request, one
price. Ties go to the first key in the file.

What `per` means: a key saying "month"/"monthly"/"mois"/"mensuel" is per month, one
saying "each"/"unit"/"unité" per unit, one saying "round" per round; otherwise a
channel, ads management, a newsletter and a content pillar are per month, posts,
stories, reels, videos and campaigns per unit, revisions per round.

What `units` means: how many of `per` this request adds, when the mail says.
- Posts: extra posts in an average month. "5 posts a week" on a 3-a-week package is 2
  extra a week, so round(2 × 52 / 12) = 9 a month (a month is 52/12 weeks, not 4);
  "2 extra posts a week" likewise 9; "2 extra posts this week" (once) 2; "20 posts a
  month" against 3 a week is 20 − 13 = 7. "More posts" with no number: None.
  For posts, `units` counts posts whatever `per` the key says.
- A revision past the allowance: 1 (each request is one round).
- Anything else: None (a channel or a month of ads is one of `per`; the draft says so).
"""

from __future__ import annotations

import itertools
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from mailwatch.config.model import Contract
from mailwatch.detect.scope import Request, canonical_channel

__all__ = ["WEEKS_PER_MONTH", "Price", "price_request", "revision_price"]

WEEKS_PER_MONTH = Decimal(52) / Decimal(12)


@dataclass(frozen=True, slots=True)
class Price:
    verdict: str  # "included" | "addon" | "quote"
    addon: str | None = None  # the add-on key from [addons], e.g. "extra_channel"
    amount: Decimal | None = None  # per `per`, in the contract currency
    per: str | None = None  # "month" | "unit" | "round" | None
    units: int | None = None  # how many of `per` the request adds, when known


INCLUDED = Price("included")

# Word families in add-on keys (folded: lower case, no accents).
_CHANNEL_WORDS = frozenset(
    (
        *("channel", "channels", "platform", "platforms", "network", "networks", "account"),
        *("accounts", "reseau", "reseaux", "canal", "canaux", "compte", "comptes"),
    )
)
_WORK_WORDS: dict[str, frozenset[str]] = {
    "posts": frozenset(("post", "posts", "publication", "publications")),
    "revision": frozenset(
        ("revision", "revisions", "round", "rounds", "modification", "modifications")
    ),
    "ads": frozenset(
        (
            *("ads", "ad", "advertising", "paid", "sponsored", "boost", "boosts", "pub"),
            *("pubs", "publicite", "publicites"),
        )
    ),
    "stories": frozenset(("story", "stories")),
    "reels": frozenset(("reel", "reels")),
    "video": frozenset(("video", "videos")),
    "newsletter": frozenset(("newsletter", "newsletters", "emailing")),
    "campaign": frozenset(("campaign", "campaigns", "campagne", "campagnes")),
    "pillar": frozenset(("pillar", "pillars", "pilier", "piliers")),
}
_WORK_KINDS = frozenset(("ads", "stories", "reels", "video", "newsletter", "campaign", "pillar"))
_PER_WORDS = {
    "month": frozenset(("month", "monthly", "mois", "mensuel", "mensuelle", "pm")),
    "unit": frozenset(("each", "unit", "unite", "piece")),
    "round": frozenset(("round", "rounds")),
}
_DEFAULT_PER = {
    "channel": "month",
    "ads": "month",
    "newsletter": "month",
    "pillar": "month",
    "posts": "unit",
    "stories": "unit",
    "reels": "unit",
    "video": "unit",
    "campaign": "unit",
    "revision": "round",
}


@dataclass(frozen=True, slots=True)
class _Key:
    name: str
    words: frozenset[str]
    channels: frozenset[str]
    generic_channel: bool
    works: frozenset[str]


def _words(key: str) -> list[str]:
    folded = "".join(
        c for c in unicodedata.normalize("NFKD", key.lower()) if not unicodedata.combining(c)
    )
    return [w for w in re.split(r"[^a-z0-9]+", folded) if w]


def _read_key(name: str) -> _Key:
    words = _words(name)
    # Channel names, also when split in two ("linked_in", "tik-tok", "you tube").
    pieces = words + [a + b for a, b in itertools.pairwise(words)]
    channels = {c for w in pieces if (c := canonical_channel(w)) and c != "newsletter"}
    if "x" in channels and len(words) > 1 and not ({"twitter"} | _CHANNEL_WORDS) & set(words):
        channels.discard("x")  # "x" in "ads_x2" is not the channel X
    return _Key(
        name=name,
        words=frozenset(words),
        channels=frozenset(channels),
        generic_channel=bool(set(words) & _CHANNEL_WORDS),
        works=frozenset(work for work, family in _WORK_WORDS.items() if family & set(words)),
    )


def _amount(value: float) -> Decimal:
    # 150.0 -> Decimal("150"), 12.5 -> Decimal("12.5"): never a binary fraction's tail.
    number = Decimal(str(value))
    return number.quantize(Decimal(1)) if number == number.to_integral_value() else number


def _per(key: _Key, kind: str) -> str:
    for per, family in _PER_WORDS.items():
        if family & key.words:
            return per
    return _DEFAULT_PER[kind]


def _addon(
    addons: Mapping[str, float], kind: str, units: int | None = None, *, key: _Key | None = None
) -> Price:
    if key is None:
        return Price("quote", per=_DEFAULT_PER.get(kind), units=units)
    return Price(
        "addon",
        addon=key.name,
        amount=_amount(addons[key.name]),
        per=_per(key, kind),
        units=units,
    )


def _find(keys: list[_Key], *tests: object) -> _Key | None:
    """The first key passing the first test that any key passes (tests: most specific first)."""
    for test in tests:
        for key in keys:
            if test(key):  # type: ignore[operator]
                return key
    return None


# --------------------------------------------------------------------------- public


def price_request(request: Request, contract: Contract, addons: Mapping[str, float]) -> Price:
    """Included, an add-on from `addons`, or a quote for the owner to fill in."""
    if request.kind == "revision":
        # The month's count lives in the store: callers should use revision_price with
        # it. Alone, a revision is priced as the month's first round.
        return revision_price(1, contract, addons)
    if request.kind != "scope" or request.work == "date_change":
        return INCLUDED  # a decision or a new date adds nothing to price
    keys = [_read_key(name) for name in addons]
    if request.work in _WORK_KINDS:
        return _price_work(request, contract, keys, addons)
    if request.channel and not _in_package(request.channel, contract):
        return _price_channel(request.channel, contract, keys, addons)
    if request.work == "frequency_change" or _asks_volume(request) or not request.channel:
        return _price_volume(request, contract, keys, addons)
    return INCLUDED  # a channel of the package


def revision_price(
    rounds_this_month: int, contract: Contract, addons: Mapping[str, float]
) -> Price:
    """Round number `rounds_this_month` (this one included) against the monthly allowance;
    past it, the revision add-on at its price, one round."""
    allowance = contract.revisions_per_month
    if allowance is None or rounds_this_month <= allowance:
        return INCLUDED
    keys = [_read_key(name) for name in addons]
    key = _find(
        keys,
        lambda k: "revision" in k.works and not (k.works - {"revision"}),
        lambda k: "revision" in k.works,
    )
    return _addon(addons, "revision", 1, key=key)


# --------------------------------------------------------------------------- by kind


# Short names owners write in `channels` that mail rarely uses alone.
_CHANNEL_ALIASES = {"ig": "instagram", "yt": "youtube", "li": "linkedin", "tw": "x", "tt": "tiktok"}


def _package_channel(name: str) -> str:
    words = _words(name)
    joined = "".join(words)
    return _CHANNEL_ALIASES.get(joined) or canonical_channel(joined) or joined


def _in_package(thing: str, contract: Contract) -> bool:
    """A channel ("instagram") or a kind of work ("stories") listed in the package."""
    listed = {_package_channel(c) for c in contract.channels}
    if thing in listed:
        return True
    family = _WORK_WORDS.get(thing, frozenset())
    return any(set(_words(c)) & family for c in contract.channels)


def _price_channel(
    channel: str, contract: Contract, keys: list[_Key], addons: Mapping[str, float]
) -> Price:
    if _in_package(channel, contract):
        return INCLUDED
    key = _find(
        keys,
        lambda k: channel in k.channels and not k.works,
        lambda k: k.generic_channel and not k.channels and not k.works,
    )
    return _addon(addons, "channel", key=key)


def _price_work(
    request: Request, contract: Contract, keys: list[_Key], addons: Mapping[str, float]
) -> Price:
    work = request.work or "newsletter"
    if _in_package(work, contract):
        return INCLUDED  # e.g. channels = ["instagram", "stories"]
    channel = request.channel if request.channel != "newsletter" else None
    key = _find(
        keys,
        lambda k: work in k.works and channel is not None and channel in k.channels,
        lambda k: work in k.works and not k.channels,
        # "ads_management" and "paid_social" are both ads; a campaign may be priced as one
        lambda k: work == "campaign" and "ads" in k.works and not k.channels,
    )
    return _addon(addons, work, key=key)


def _asks_volume(request: Request) -> bool:
    volumes = (
        request.posts_per_week,
        request.extra_posts,
        request.extra_per_week,
        request.posts_per_month,
    )
    return any(v is not None for v in volumes)


def _price_volume(
    request: Request, contract: Contract, keys: list[_Key], addons: Mapping[str, float]
) -> Price:
    key = _find(
        keys,
        lambda k: "posts" in k.works and not k.channels and len(k.works) == 1,
        lambda k: "posts" in k.works and len(k.works) == 1,
    )
    base = contract.posts_per_week
    extra_month: int | None
    if request.extra_posts is not None:
        extra_month = request.extra_posts  # once, on top of the package
    elif request.extra_per_week is not None:
        extra_month = _per_month(request.extra_per_week)
    elif request.posts_per_week is not None:
        if base is None:
            return _addon(addons, "posts", key=key)  # how many are extra is not known
        extra = request.posts_per_week - base
        if extra <= 0:
            return INCLUDED  # fewer or as many posts as the package
        extra_month = _per_month(extra)
    elif request.posts_per_month is not None:
        if base is None:
            return _addon(addons, "posts", key=key)
        extra_month = request.posts_per_month - _per_month(base)
        if extra_month <= 0:
            return INCLUDED
    elif request.work == "frequency_change":
        return INCLUDED  # other posting days, same volume
    else:
        extra_month = None  # "more posts", no number
    return _addon(addons, "posts", extra_month, key=key)


def _per_month(per_week: int) -> int:
    # Half up: 2 a week is 8.67 a month -> 9.
    return int((per_week * WEEKS_PER_MONTH).quantize(Decimal(1), rounding="ROUND_HALF_UP"))
