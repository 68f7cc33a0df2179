"""The TLS settings every mail connection uses (IMAP and SMTP alike).

One place, so that the two adapters cannot drift apart: certificates are verified
against the system's CAs (plus the owner's own CA file for a self-hosted server),
host names are checked, and nothing older than TLS 1.2 is accepted.
"""

from __future__ import annotations

import ssl


def tls_context(ca_file: str = "") -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=ca_file or None)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context
