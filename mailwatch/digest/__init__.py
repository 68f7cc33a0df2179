"""The approval digest: the email in which the owner reviews and approves drafts.

Pure parts only; the pipeline stores, sends and reads the mail:
- view.py: what a digest shows (DigestView and its lines), filled in by the pipeline;
- render.py: its subject, plain-text part and HTML part (templates/digest/);
- codes.py: approval codes (HMAC over digest, draft and version) and their check;
- links.py: the mailto: links behind the Approve / Reject buttons;
- quotes.py, commands.py: the owner's commands in a reply, quoted text never read;
- verify.py: whether one command may act, and the confirmation mail's text.
"""
