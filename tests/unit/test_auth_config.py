"""The OAuth 2.0 keys: [imap]/[smtp] auth and the [oauth2] table, and their messages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mailwatch.auth.providers import MICROSOFT_SCOPES, missing_scopes, resolve
from mailwatch.config.loader import load_settings
from mailwatch.config.model import OAuth2
from mailwatch.config.secrets import resolve_password
from mailwatch.errors import ConfigError

OWNER = """\
[owner]
name = "Sam Rivera"
email = "sam@gmail.test"
timezone = "Europe/Paris"
"""

SERVERS = """\
[imap]
host = "imap.gmail.com"
username = "sam@gmail.test"
auth = "oauth2"

[smtp]
host = "smtp.gmail.com"
username = "sam@gmail.test"
auth = "oauth2"
"""

GOOGLE = """\
[oauth2]
provider = "google"
client_id = "1234-abc.apps.googleusercontent.com"
client_secret_env = "MAILWATCH_OAUTH_SECRET"
"""

JARGON = re.compile(r"Value error|Input should|pydantic|validation error|Field required")


def load(tmp_path: Path, text: str) -> object:
    (tmp_path / "clients").mkdir(exist_ok=True)
    (tmp_path / "config.toml").write_text(text)
    return load_settings(tmp_path / "config.toml")


def problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text)
    lines = [str(p) for p in caught.value.problems]
    for line in lines:
        assert not JARGON.search(line), line
    return lines


def test_a_gmail_oauth_configuration_loads_and_wires_the_servers(tmp_path: Path) -> None:
    settings = load(tmp_path, OWNER + SERVERS + GOOGLE)
    imap = settings.config.imap  # type: ignore[attr-defined]
    assert imap.auth == "oauth2"
    assert imap.oauth2.provider == "google"
    # Beside the state file by default, resolved like every other path.
    expected = tmp_path.absolute() / "state" / "mailwatch.json.oauth2.json"
    assert imap.token_file == expected
    assert settings.config.smtp.token_file == expected  # type: ignore[attr-defined]
    # No password is looked for.
    assert resolve_password(imap, section="imap") == ""


def test_token_file_is_resolved_against_the_config_folder(tmp_path: Path) -> None:
    settings = load(tmp_path, OWNER + SERVERS + GOOGLE + 'token_file = "secret/token.json"\n')
    assert settings.oauth2_token_path == tmp_path.absolute() / "secret" / "token.json"  # type: ignore[attr-defined]


def test_oauth2_without_the_section_names_the_key_and_the_fix(tmp_path: Path) -> None:
    lines = problems(tmp_path, OWNER + SERVERS)
    assert any("imap.auth" in line and "no [oauth2] section" in line for line in lines)
    assert any("smtp.auth" in line for line in lines)
    assert all('auth = "password"' in line for line in lines)


def test_oauth2_with_a_password_source_is_refused(tmp_path: Path) -> None:
    text = (
        OWNER
        + SERVERS.replace('auth = "oauth2"\n', 'password_env = "PW"\nauth = "oauth2"\n', 1)
        + GOOGLE
    )
    (line,) = problems(tmp_path, text)
    assert "imap.auth" in line and "password_env is set" in line and "remove password_env" in line


def test_oauth2_needs_the_username_it_signs_in_as(tmp_path: Path) -> None:
    text = OWNER + SERVERS.replace('username = "sam@gmail.test"\nauth', 'username = ""\nauth', 1)
    (line,) = problems(tmp_path, text + GOOGLE)
    assert "imap.auth" in line and "username" in line and "you@gmail.com" in line


@pytest.mark.parametrize(
    ("oauth2", "key", "words"),
    [
        ('provider = "yahoo"\nclient_id = "x"', "oauth2.provider", '"google", "microsoft"'),
        ('provider = "google"', "oauth2.client_id", "is required"),
        ('provider = "google"\nclient_id = "a b"', "oauth2.client_id", "without spaces"),
        (
            'provider = "google"\nclient_id = "x"\nflow = "device"',
            "oauth2.flow",
            "Google does not allow the device flow",
        ),
        (
            'provider = "google"\nclient_id = "x"\ntenant = "common"',
            "oauth2.tenant",
            "microsoft",
        ),
        (
            'provider = "microsoft"\nclient_id = "x"\ntenant = "not a tenant"',
            "oauth2.tenant",
            "directory (tenant) id",
        ),
        (
            'provider = "google"\nclient_id = "x"\ntoken_url = "https://example.test/t"',
            "oauth2.token_url",
            "built in",
        ),
        (
            'provider = "custom"\nclient_id = "x"\ntoken_url = "http://id.example.test/t"\n'
            'authorize_url = "https://id.example.test/a"\nscopes = ["mail"]',
            "oauth2.token_url",
            "https://",
        ),
        (
            'provider = "custom"\nclient_id = "x"',
            "oauth2",
            "needs token_url, authorize_url (or device_url), scopes",
        ),
        (
            'provider = "custom"\nclient_id = "x"\ntoken_url = "https://id.example.test/t"\n'
            'authorize_url = "https://id.example.test/a"\nscopes = ["mail"]\nflow = "device"',
            "oauth2",
            "needs device_url",
        ),
        (
            'provider = "google"\nclient_id = "x"\nclient_secret_env = "GOCSPX-abc-123"',
            "oauth2.client_secret_env",
            "not the secret itself",
        ),
        ('provider = "google"\nclient_id = "x"\nscopes = ["a b"]', "oauth2.scopes", "one scope"),
        ('provider = "google"\nclient_id = "x"\nsecret = "y"', "oauth2.secret", "unknown key"),
    ],
)
def test_oauth2_table_problems_are_worded_for_people(
    tmp_path: Path, oauth2: str, key: str, words: str
) -> None:
    lines = problems(tmp_path, OWNER + SERVERS + "[oauth2]\n" + oauth2 + "\n")
    assert any(f": {key}:" in line and words in line for line in lines), lines


def test_a_secret_typed_in_client_secret_env_is_never_echoed(tmp_path: Path) -> None:
    secret = "GOCSPX-very-secret-value"
    text = OWNER + SERVERS + GOOGLE.replace("MAILWATCH_OAUTH_SECRET", secret)
    lines = problems(tmp_path, text)
    assert not any(secret in line for line in lines)


def test_loopback_http_endpoints_are_allowed_for_custom(tmp_path: Path) -> None:
    text = (
        OWNER
        + SERVERS
        + '[oauth2]\nprovider = "custom"\nclient_id = "x"\n'
        + 'token_url = "http://127.0.0.1:8080/token"\ndevice_url = "http://localhost:8080/dev"\n'
        + 'scopes = ["imap", "offline_access"]\n'
    )
    settings = load(tmp_path, text)
    provider = resolve(settings.config.oauth2)  # type: ignore[attr-defined]
    assert provider.flow == "device"
    assert provider.label == "127.0.0.1:8080"


def test_provider_presets() -> None:
    google = resolve(OAuth2(provider="google", client_id="g"))
    assert google.scopes == ("https://mail.google.com/",)
    assert google.flow == "browser"
    assert google.authorize_params == {"access_type": "offline", "prompt": "consent"}
    assert google.token_url == "https://oauth2.googleapis.com/token"

    microsoft = resolve(OAuth2(provider="microsoft", client_id="m"))
    assert microsoft.scopes == MICROSOFT_SCOPES
    assert "offline_access" in microsoft.scopes
    assert microsoft.flow == "device"
    assert microsoft.device_url == (
        "https://login.microsoftonline.com/common/oauth2/v2.0/devicecode"
    )
    assert microsoft.redirect_host == "localhost"
    tenant = resolve(OAuth2(provider="microsoft", client_id="m", tenant="contoso.onmicrosoft.com"))
    assert "/contoso.onmicrosoft.com/oauth2/v2.0/token" in tenant.token_url
    browser = resolve(OAuth2(provider="microsoft", client_id="m", flow="browser"))
    assert browser.flow == "browser"


def test_missing_scopes_reads_what_providers_answer() -> None:
    google = ("https://mail.google.com/",)
    assert missing_scopes(google, "https://mail.google.com/") == []
    # Google's consent screen with the Gmail box unticked.
    assert missing_scopes(google, "openid") == ["https://mail.google.com/"]
    # Microsoft may name scopes without their resource, and never lists offline_access.
    assert missing_scopes(MICROSOFT_SCOPES, "IMAP.AccessAsUser.All SMTP.Send") == []
    assert missing_scopes(MICROSOFT_SCOPES, "https://outlook.office.com/IMAP.AccessAsUser.All") == [
        "https://outlook.office.com/SMTP.Send"
    ]
    assert missing_scopes(MICROSOFT_SCOPES, None) == []  # the answer did not say
