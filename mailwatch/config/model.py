"""The configuration contract: `config.toml` plus one TOML file per client.

Pydantic does the field-level checks (types, ranges, unknown keys, time zones);
`loader.py` turns its errors into `Problem`s naming file and key, and runs the
checks that span files (an address claimed by two clients, a password source).
"""

from __future__ import annotations

import ipaddress
import itertools
import re
from datetime import time
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    StrictBool,
    ValidationInfo,
    field_validator,
    model_validator,
)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
Security = Literal["ssl", "starttls", "none"]
Language = Literal["en", "fr"]
# How mailwatch signs in to a mail server: a password, or an OAuth 2.0 access token
# (SASL XOAUTH2 / OAUTHBEARER), as Gmail and Microsoft 365 require of mail apps.
AuthMethod = Literal["password", "oauth2"]
OAuthProvider = Literal["google", "microsoft", "custom"]


class _Strict(BaseModel):
    # Unknown keys are errors: a typo must not silently fall back to a default.
    # TOML allows nan and inf: no setting means either.
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


# Every number has a range that makes sense for a person running a mailbox. Beyond
# it, a value is a typo, and a huge one (1e23 days) would overflow date arithmetic
# in every run after check-config had called it valid. The loader words the ranges.
BusinessDays = Annotated[int, Field(ge=1, le=365)]  # a follow-up step
CalendarDays = Annotated[int, Field(ge=1, le=365)]
LookbackDays = Annotated[int, Field(ge=1, le=3650)]  # ten years
FollowUpCount = Annotated[int, Field(ge=1, le=20)]
ReplyHours = Annotated[float, Field(gt=0, le=720)]  # business hours: 80 working days
TimeoutSeconds = Annotated[float, Field(gt=0, le=600)]  # ten minutes
ProofWaitSeconds = Annotated[float, Field(ge=0, le=86400)]  # a day
Money = Annotated[float, Field(ge=0, le=10_000_000)]
Percent = Annotated[float, Field(ge=0, le=100)]
TermDays = Annotated[int, Field(ge=0, le=365)]
DayOfMonth = Annotated[int, Field(ge=1, le=28)]  # every month has it


def check_timezone(value: str) -> str:
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(
            f"unknown time zone {value!r}; use an IANA name such as 'Europe/Paris'"
        ) from exc
    return value


def parse_hhmm(value: str) -> time:
    try:
        hours, minutes = value.split(":")
        return time(int(hours), int(minutes))
    except (ValueError, TypeError) as exc:
        raise ValueError(f"{value!r} is not a time of day like '09:00'") from exc


def check_window(value: list[str]) -> list[str]:
    if len(value) != 2:
        raise ValueError("give exactly two times, a start and an end, like ['09:00', '18:00']")
    start, end = (parse_hhmm(v) for v in value)
    if start >= end:
        raise ValueError(f"the start {value[0]} must be before the end {value[1]}")
    return value


def is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _lower_address(value: str) -> str:
    value = value.strip()
    if value.count("@") != 1 or value.startswith("@") or value.endswith("@") or " " in value:
        raise ValueError(f"{value!r} is not an email address")
    return value.lower()


EmailAddress = Annotated[str, Field(min_length=3)]


class Owner(_Strict):
    name: str
    email: EmailAddress
    aliases: list[EmailAddress] = []
    business: str = ""
    # Required: a guess (UTC) would put every business day and send window hours off.
    timezone: str
    country: str = ""
    workdays: list[Weekday] = ["mon", "tue", "wed", "thu", "fri"]
    work_hours: list[str] = ["09:00", "18:00"]
    signature: str = ""

    _tz = field_validator("timezone")(check_timezone)
    _hours = field_validator("work_hours")(check_window)

    @field_validator("email")
    @classmethod
    def _email(cls, value: str) -> str:
        return _lower_address(value)

    @field_validator("aliases")
    @classmethod
    def _aliases(cls, value: list[str]) -> list[str]:
        return [_lower_address(v) for v in value]

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        if not value:
            return value
        from holidays import registry

        code = value.upper()
        # The registry's codes, not list_supported_countries(), which imports every
        # country's module (~0.1 s at each start of every command).
        known = {c for names in registry.COUNTRIES.values() for c in names[1:] if c.isupper()}
        if code not in known:
            raise ValueError(
                f"{value!r} is not a country code the holiday calendar knows; "
                "use a two-letter code such as 'FR' or 'GB', or '' for no public holidays"
            )
        return code

    @field_validator("workdays")
    @classmethod
    def _workdays(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("name at least one working day, e.g. ['mon', 'tue', 'wed']")
        return value

    @property
    def addresses(self) -> frozenset[str]:
        return frozenset([self.email, *self.aliases])

    @property
    def domain(self) -> str:
        return self.email.rsplit("@", 1)[1]


class _Server(_Strict):
    host: str
    port: int = Field(ge=1, le=65535)
    security: Security = "ssl"
    username: str = ""
    password_env: str = ""
    password_command: str = ""
    timeout_seconds: TimeoutSeconds = 30
    ca_file: str = ""  # extra CA certificate (PEM) to trust, e.g. for a self-hosted server
    auth: AuthMethod = "password"
    # The file this section was read from, so that a password error found long after
    # loading (at the first connection) names it. Set by Settings; not a setting.
    _source_file: str = PrivateAttr(default="")
    # With auth = "oauth2": the [oauth2] table and the token file, set by Settings (the
    # mail adapters sign in with them). Not settings.
    _oauth2: OAuth2 | None = PrivateAttr(default=None)
    _token_file: Path | None = PrivateAttr(default=None)

    @property
    def source_file(self) -> str:
        return self._source_file

    @property
    def oauth2(self) -> OAuth2 | None:
        return self._oauth2

    @property
    def token_file(self) -> Path | None:
        return self._token_file

    # Field validators rather than one model validator: pydantic skips "after" model
    # validators when any field fails, which would hide these problems behind a typo
    # elsewhere in the section, and their errors would not name the key at fault.
    @field_validator("security")
    @classmethod
    def _plaintext_only_on_loopback(cls, value: str, info: ValidationInfo) -> str:
        host = info.data.get("host")  # absent when the host itself is invalid
        if value == "none" and isinstance(host, str) and not is_loopback(host):
            raise ValueError(
                f"'none' sends your password in clear text, and {host!r} is not on this "
                "machine; use 'ssl' or 'starttls', since 'none' is only allowed for "
                "127.0.0.1, ::1 or localhost"
            )
        return value

    @field_validator("password_command")
    @classmethod
    def _one_password_source(cls, value: str, info: ValidationInfo) -> str:
        if value and info.data.get("password_env"):
            raise ValueError("set password_env or password_command, not both")
        return value

    @field_validator("auth")
    @classmethod
    def _oauth2_needs_no_password(cls, value: str, info: ValidationInfo) -> str:
        if value != "oauth2":
            return value
        if "username" in info.data and not info.data["username"]:
            raise ValueError(
                "'oauth2' signs in as username, which is empty; set username to the "
                'address you sign in with, e.g. username = "you@gmail.com"'
            )
        for key in ("password_env", "password_command"):
            if info.data.get(key):
                raise ValueError(
                    f"'oauth2' uses no password, but {key} is set; remove {key}, or set "
                    'auth = "password" to sign in with a password or an app password'
                )
        return value


class Imap(_Server):
    port: int = Field(default=993, ge=1, le=65535)
    inbox: str = "INBOX"
    sent: str = ""  # "" = find it by SPECIAL-USE \Sent, then by common names


class Smtp(_Server):
    port: int = Field(default=465, ge=1, le=65535)
    save_to_sent: StrictBool = True
    # Envelope-only copy to the owner's own address. It is the server's proof that a
    # message was accepted, which lets a restarted mailwatch tell "sent before the
    # crash" from "never sent" and so never deliver twice.
    bcc_self: StrictBool = True
    # After a crash in the middle of a send, how long to look for that proof before
    # concluding the message never left (mail servers may take a moment to file it).
    proof_wait_seconds: ProofWaitSeconds = 300


_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_TENANT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.-]{0,99}$")


def _endpoint(value: str) -> str:
    """An OAuth endpoint: https, or http to this machine (a test server, a local proxy)."""
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    host = parts.hostname or ""
    if parts.scheme == "https" and host:
        return value
    if parts.scheme == "http" and host and is_loopback(host):
        return value
    raise ValueError(
        f"{value!r} is not an https:// address; the sign-in and its tokens must travel "
        "encrypted (http:// is allowed only for 127.0.0.1, ::1 or localhost)"
    )


class OAuth2(_Strict):
    """How `mailwatch login` signs in, and where the sign-in is kept (the token file).

    Used by [imap] and [smtp] sections that say auth = "oauth2". google and
    microsoft come with their addresses and scopes built in; custom names them.
    """

    provider: OAuthProvider
    # The app id you registered with the provider (mailwatch ships none it could publish).
    client_id: str = Field(min_length=1)
    # An environment variable holding the app's client secret, if the provider gave one
    # (Google's "Desktop app" clients have one; Microsoft's public clients do not).
    client_secret_env: str = ""
    # Microsoft only: "common", "organizations", "consumers" or your tenant (directory) id.
    tenant: str = ""
    scopes: list[str] = []  # [] = the provider's own: IMAP, SMTP and offline access
    token_file: str = ""  # "" = beside the state file
    # "device": open a page anywhere and type a code (works over SSH); "browser": a
    # browser on this computer; "auto": device for microsoft, browser for google.
    flow: Literal["auto", "device", "browser"] = "auto"
    authorize_url: str = ""  # custom only
    token_url: str = ""  # custom only
    device_url: str = ""  # custom only
    # The browser flow's local port; 0 = any free port (Google and Microsoft accept any).
    redirect_port: int = Field(default=0, ge=0, le=65535)

    @field_validator("client_id")
    @classmethod
    def _client_id(cls, value: str) -> str:
        value = value.strip()
        if not value or any(c.isspace() for c in value):
            raise ValueError(
                "must be the app id (client id) your provider gave you, without spaces; "
                "see the README, 'Registering your own app id'"
            )
        return value

    @field_validator("client_secret_env")
    @classmethod
    def _secret_env(cls, value: str) -> str:
        if value and not _ENV_NAME.match(value):
            raise ValueError(
                "must be the NAME of an environment variable (letters, digits and _), not "
                'the secret itself; for example client_secret_env = "MAILWATCH_OAUTH_SECRET", '
                "and if you typed the secret here, remove it from the file"
            )
        return value

    @field_validator("tenant")
    @classmethod
    def _tenant(cls, value: str, info: ValidationInfo) -> str:
        if not value:
            return value
        if info.data.get("provider") not in (None, "microsoft"):
            raise ValueError('tenant is for provider = "microsoft" only; remove it')
        if not _TENANT.match(value):
            raise ValueError(
                f'{value!r} is not a Microsoft tenant; use "common", "organizations" or '
                "your directory (tenant) id from the Azure portal"
            )
        return value

    @field_validator("scopes")
    @classmethod
    def _scopes(cls, value: list[str]) -> list[str]:
        cleaned = [scope.strip() for scope in value]
        if any(not scope or " " in scope for scope in cleaned):
            raise ValueError('give one scope per item, without spaces, like ["a", "b"]')
        return cleaned

    @field_validator("flow")
    @classmethod
    def _flow(cls, value: str, info: ValidationInfo) -> str:
        if value == "device" and info.data.get("provider") == "google":
            raise ValueError(
                'Google does not allow the device flow for mail; use "browser" (or '
                '"auto"), and see `mailwatch login --no-browser` for a computer without one'
            )
        return value

    @field_validator("authorize_url", "token_url", "device_url")
    @classmethod
    def _urls(cls, value: str, info: ValidationInfo) -> str:
        if not value:
            return value
        provider = info.data.get("provider")
        if provider in ("google", "microsoft"):
            raise ValueError(
                f'is built in for provider = "{provider}"; remove {info.field_name}, or set '
                'provider = "custom"'
            )
        return _endpoint(value.strip())

    @model_validator(mode="after")
    def _custom_complete(self) -> OAuth2:
        if self.provider != "custom":
            return self
        missing = [key for key in ("token_url",) if not getattr(self, key)]
        if not self.authorize_url and not self.device_url:
            missing.append("authorize_url (or device_url)")
        if not self.scopes:
            missing.append("scopes")
        if missing:
            raise ValueError(
                f'provider = "custom" needs {", ".join(missing)}; take them from your '
                "provider's documentation, whose OpenID configuration lists the addresses"
            )
        if self.flow == "device" and not self.device_url:
            raise ValueError('flow = "device" needs device_url; add it, or set flow = "auto"')
        if self.flow == "browser" and not self.authorize_url:
            raise ValueError('flow = "browser" needs authorize_url; add it, or set flow = "auto"')
        return self


class StoreSection(_Strict):
    # The state folder (relative to config.toml). `path`, the single state file of
    # mailwatch before the folder, is still accepted: its folder becomes the state
    # folder, and that file is moved into the folder's layout on first start.
    dir: str = ""
    path: str = ""


class ClientsSection(_Strict):
    dir: str = "clients"


class TemplatesSection(_Strict):
    dir: str = ""  # "" = only the built-in templates


class Digest(_Strict):
    """The approval digest: what needs you and every draft, by mail, on your workdays."""

    to: str = ""  # "" = your own address ([owner] email)
    times: list[str] = ["08:30"]  # your time zone, on your working days
    code_hours: float = Field(default=72, gt=0, le=24 * 30)  # how long a code works
    all_quiet: StrictBool = True  # a short "all quiet" on the first working day of the week

    @field_validator("times")
    @classmethod
    def _times(cls, value: list[str]) -> list[str]:
        if len(value) > 12:
            raise ValueError("give at most 12 times a day")
        for item in value:
            parse_hhmm(item)
        return value

    @field_validator("to")
    @classmethod
    def _to(cls, value: str) -> str:
        return _lower_address(value) if value else value


class Schedule(_Strict):
    """How `mailwatch run` spaces its work (values under 10 s are for tests)."""

    # Sent (and INBOX without IDLE), at most hourly
    poll_seconds: int = Field(default=120, ge=1, le=3600)
    idle: StrictBool = True  # push on INBOX when the server offers IDLE
    # The rules also run after every change; at least daily.
    evaluate_minutes: float = Field(default=15, gt=0, le=1440)
    # Approved drafts go out at least this often.
    send_seconds: int = Field(default=60, ge=1, le=3600)
    stop_seconds: TimeoutSeconds = 30  # on SIGTERM, wait this long for a send


class Rules(_Strict):
    """Playbook defaults; a client's [rules] table overrides any key."""

    follow_up_days: list[BusinessDays] = [3, 7, 14]
    pause_after_silent_days: CalendarDays = 14
    pause_min_follow_ups: FollowUpCount = 2
    reply_within_hours: ReplyHours = 24
    lookback_days: LookbackDays = 30
    send_window: list[str] = ["09:00", "18:00"]
    # Extra phrases that mark our own message as asking the client for something.
    request_phrases: list[str] = []
    # Extra words that mark our own message as the monthly report ("monthly recap").
    report_patterns: list[str] = []

    _window = field_validator("send_window")(check_window)

    @field_validator("follow_up_days")
    @classmethod
    def _ladder(cls, value: list[int]) -> list[int]:
        if not value:
            raise ValueError("give at least one follow-up step, e.g. [3, 7, 14]")
        if any(v < 1 for v in value):
            raise ValueError("each step must be at least 1 business day")
        if any(b <= a for a, b in itertools.pairwise(value)):
            raise ValueError(f"steps must grow, each later than the one before: {value}")
        return value


class RulesOverride(_Strict):
    follow_up_days: list[BusinessDays] | None = None
    pause_after_silent_days: CalendarDays | None = None
    pause_min_follow_ups: FollowUpCount | None = None
    reply_within_hours: ReplyHours | None = None
    lookback_days: LookbackDays | None = None
    send_window: list[str] | None = None
    request_phrases: list[str] | None = None
    report_patterns: list[str] | None = None

    @model_validator(mode="after")
    def _valid_as_rules(self) -> RulesOverride:
        # Run the same checks as Rules on the keys that are set.
        Rules(**self.model_dump(exclude_none=True))
        return self


class Billing(_Strict):
    """The payment reminder ladder (playbook defaults); a client's [billing] table
    overrides any figure."""

    invoice_lead_days: TermDays = 7  # remind the owner to invoice this long before due
    reminder_every_days: CalendarDays = 7  # never two billing mails closer than this
    pause_after_days: CalendarDays = 14  # overdue this long, no word: pause the work
    final_after_reminders: FollowUpCount = 2  # then a final notice instead of another
    hold_days: CalendarDays = 5  # business days a "I've paid" holds the ladder
    # Your own wording for invoices ("note d'honoraires") or number prefixes ("SMM-").
    invoice_patterns: list[str] = []
    # Payment processors and banks, besides the built-in list: addresses or domains.
    payment_senders: list[str] = []
    # Invoicing tools that copy you their invoices, besides the built-in list.
    tool_senders: list[str] = []


class BillingOverride(_Strict):
    invoice_lead_days: TermDays | None = None
    reminder_every_days: CalendarDays | None = None
    pause_after_days: CalendarDays | None = None
    final_after_reminders: FollowUpCount | None = None
    hold_days: CalendarDays | None = None


class Contract(_Strict):
    """Billing terms and the package: read by the billing and scope rules."""

    fee: Money | None = None
    currency: str = "EUR"
    due_day: DayOfMonth = 1
    payment_terms_days: TermDays | None = None
    late_fee_percent: Percent | None = None
    notice_days: TermDays = 30
    deposit_percent: Percent = 50
    channels: list[str] = []
    posts_per_week: int | None = Field(default=None, ge=0, le=200)
    revisions_per_month: int | None = Field(default=None, ge=0, le=100)
    report_day: DayOfMonth = 5
    # How to pay, as the reminders should say it: an IBAN, a payment link...
    payment_instructions: str = Field(default="", max_length=500)


class Client(_Strict):
    name: str
    emails: list[EmailAddress] = []
    domains: list[str] = []
    language: Language = "en"
    timezone: str = ""  # "" = the owner's time zone
    # Whom drafts greet ("Jane"); "" = the first name the client signs their mail with.
    contact_name: str = Field(default="", max_length=60)
    # French drafts: "vous" (vouvoiement, the default) or "tu".
    formality: Literal["vous", "tu"] = "vous"
    rules: RulesOverride = RulesOverride()
    billing: BillingOverride = BillingOverride()
    contract: Contract = Contract()
    addons: dict[str, Money] = {}  # add-on name -> price

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        return check_timezone(value) if value else value

    @field_validator("emails")
    @classmethod
    def _emails(cls, value: list[str]) -> list[str]:
        return [_lower_address(v) for v in value]

    @field_validator("contact_name")
    @classmethod
    def _contact_name(cls, value: str) -> str:
        if any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 for c in value):
            raise ValueError("has control characters; write the name as plain text")
        return value.strip()

    @field_validator("domains")
    @classmethod
    def _domains(cls, value: list[str]) -> list[str]:
        out = []
        for domain in value:
            domain = domain.strip().lower().lstrip("@")
            if not domain or "." not in domain or "@" in domain or " " in domain:
                raise ValueError(f"{domain!r} is not a mail domain like 'acme.test'")
            out.append(domain)
        return out

    @model_validator(mode="after")
    def _reachable(self) -> Client:
        if not self.emails and not self.domains:
            raise ValueError("give the client at least one address in emails (or a domain)")
        return self


class Config(_Strict):
    owner: Owner
    imap: Imap | None = None
    smtp: Smtp | None = None
    store: StoreSection = StoreSection()
    clients: ClientsSection = ClientsSection()
    templates: TemplatesSection = TemplatesSection()
    schedule: Schedule = Schedule()
    rules: Rules = Rules()
    billing: Billing = Billing()
    digest: Digest = Digest()
    oauth2: OAuth2 | None = None


class Settings:
    """A loaded, validated configuration: the main file plus every client file."""

    def __init__(self, config: Config, clients: dict[str, Client], path: Path) -> None:
        self.config = config
        self.clients = clients
        self.path = path
        self.base_dir = path.parent
        self._rules: dict[str, Rules] = {}
        # Files ignored in the clients folder (dot files), for check-config to mention.
        self.ignored_client_files: list[Path] = []
        for server in (config.imap, config.smtp):
            if server is not None:
                server._source_file = str(path)
                if server.auth == "oauth2":
                    server._oauth2 = config.oauth2
                    server._token_file = self.oauth2_token_path

    @property
    def owner(self) -> Owner:
        return self.config.owner

    def resolve(self, value: str) -> Path:
        p = Path(value).expanduser()
        return p if p.is_absolute() else self.base_dir / p

    @property
    def state_dir(self) -> Path:
        store = self.config.store
        if store.dir:
            return self.resolve(store.dir)
        if store.path:
            return self.resolve(store.path).parent
        return self.resolve("state")

    @property
    def store_path(self) -> Path:
        """The schema-1 state file (migrated into `state_dir` if it exists)."""
        store = self.config.store
        return self.resolve(store.path) if store.path else self.state_dir / "mailwatch.json"

    @property
    def oauth2_token_path(self) -> Path:
        """Where the OAuth 2.0 sign-in is kept: [oauth2] token_file, else beside the state."""
        oauth2 = self.config.oauth2
        if oauth2 is not None and oauth2.token_file:
            return self.resolve(oauth2.token_file)
        store = self.store_path
        return store.with_name(store.name + ".oauth2.json")

    @property
    def clients_dir(self) -> Path:
        return self.resolve(self.config.clients.dir)

    @property
    def template_dir(self) -> Path | None:
        return self.resolve(self.config.templates.dir) if self.config.templates.dir else None

    def rules_for(self, client_id: str) -> Rules:
        # Settings never change once loaded (a reload builds new ones): merge once.
        merged = self._rules.get(client_id)
        if merged is None:
            base = self.config.rules
            override = self.clients[client_id].rules.model_dump(exclude_none=True)
            merged = self._rules[client_id] = base.model_copy(update=override) if override else base
        return merged

    def billing_for(self, client_id: str) -> Billing:
        override = self.clients[client_id].billing.model_dump(exclude_none=True)
        base = self.config.billing
        return base.model_copy(update=override) if override else base

    def owner_zone(self) -> ZoneInfo:
        return ZoneInfo(self.owner.timezone)

    def timezone_for(self, client_id: str) -> str:
        return self.clients[client_id].timezone or self.owner.timezone
