"""Which client a message belongs to, and in which direction it went."""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from mailwatch.core.model import Direction


@dataclass(frozen=True, slots=True)
class Attribution:
    direction: Direction
    client: str | None
    counterparts: tuple[str, ...]


class Directory:
    """Addresses of the owner and of every client (exact addresses win over domains)."""

    def __init__(
        self,
        owner_addresses: Iterable[str],
        client_emails: Mapping[str, Sequence[str]],
        client_domains: Mapping[str, Sequence[str]],
    ) -> None:
        self.owner = frozenset(a.lower() for a in owner_addresses)
        self._by_address = {
            address.lower(): client
            for client, emails in client_emails.items()
            for address in emails
        }
        self._by_domain = {
            domain.lower(): client
            for client, domains in client_domains.items()
            for domain in domains
        }
        self._attribute = functools.lru_cache(maxsize=4096)(self._attribute_uncached)

    def client_of(self, address: str) -> str | None:
        address = address.lower()
        if address in self._by_address:
            return self._by_address[address]
        domain = address.rpartition("@")[2]
        # "mail.acme.test" belongs to a client that claimed "acme.test".
        while domain:
            if domain in self._by_domain:
                return self._by_domain[domain]
            domain = domain.partition(".")[2]
        return None

    def attribute(self, from_addr: str | None, to: Sequence[str], cc: Sequence[str]) -> Attribution:
        """Mail from the owner is outbound wherever it was found; other mail is inbound.

        Asked several times per message (routing, keeping, reading its text, the
        aggregates) and about the same few correspondents over and over: answers are
        kept per Directory, which never changes once built (a reload builds a new one).
        """
        return self._attribute(from_addr, tuple(to), tuple(cc))

    def _attribute_uncached(
        self, from_addr: str | None, to: tuple[str, ...], cc: tuple[str, ...]
    ) -> Attribution:
        if from_addr and from_addr.lower() in self.owner:
            client = None
            counterparts: list[str] = []
            for address in [*to, *cc]:
                owner_of = self.client_of(address)
                if owner_of is None:
                    continue
                if client is None:
                    client = owner_of
                if owner_of == client and address not in counterparts:
                    counterparts.append(address)
            return Attribution("out", client, tuple(counterparts))
        client = self.client_of(from_addr) if from_addr else None
        return Attribution("in", client, (from_addr,) if client and from_addr else ())


class Senders:
    """A set of senders: addresses, or domains (any address at them or a subdomain).

    Built once per sync: every INBOX message is checked against it, so a lookup is a few
    set probes (the address, then its domain's suffixes), not a walk over the list.
    """

    __slots__ = ("addresses", "domains")

    def __init__(self, senders: Iterable[str] = ()) -> None:
        addresses: set[str] = set()
        domains: set[str] = set()
        for sender in senders:
            sender = sender.strip().lower().lstrip("@").rstrip(".")
            if sender:
                (addresses if "@" in sender else domains).add(sender)
        self.addresses = frozenset(addresses)
        self.domains = frozenset(domains)

    def __contains__(self, address: object) -> bool:
        if not isinstance(address, str) or not address:
            return False
        address = address.lower()
        if address in self.addresses:
            return True
        labels = address.rpartition("@")[2].split(".")
        return any(".".join(labels[i:]) in self.domains for i in range(len(labels)))

    def __bool__(self) -> bool:
        return bool(self.addresses or self.domains)
