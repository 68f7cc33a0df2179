"""mailwatch: watches a freelancer's client mailbox and drafts calm follow-ups for approval."""

from pathlib import Path

__version__ = "0.1.0"

# The source folder's root (a checkout). Installed mailwatch finds its templates and
# examples through mailwatch.resources instead, which works from a wheel too.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
