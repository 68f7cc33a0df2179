"""Drafts: rendering from templates, the approval lifecycle, and the message we send."""
