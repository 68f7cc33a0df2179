"""mailwatch: watches a freelancer's client mailbox and drafts calm follow-ups for approval."""

from pathlib import Path

__version__ = "0.1.0"

# The project root holds templates/ and config.example.toml (installed editable).
PROJECT_ROOT = Path(__file__).resolve().parent.parent
