"""Detectors: pure functions from a message's own text to facts the rules read.

Each module answers one question about one message (does our mail ask something, is
this an invoice, a payment notice, a scope request, abuse, an out-of-office return
date) and returns the sentence that made it say so, so the owner can see why. They
take no clock, no store and no network: the pipeline calls them when a message is
routed (and `mailwatch reindex` calls them again on stored text).

Shared helpers: `text` (normalising, sentences, own lines), `dates` (dates written
in English or French, relative ones resolved from the message's own date).
"""
