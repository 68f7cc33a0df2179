"""A client's timeline: every message in and out, every threshold, draft, approval,
send, withdrawal, note and invoice event, in date order, as a document the owner can
hand to a lawyer or a small-claims court.

`render.py` writes entries (any iterable, consumed once: large timelines stream) as
Markdown, CSV, JSON or HTML; `gather.py` reads them from the store.
"""
