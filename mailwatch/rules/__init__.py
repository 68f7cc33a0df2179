"""The playbook's rules, one module each (see core/rule.py for the protocol).

`RULES` is what the pipeline plans with. Order only breaks ties between
proposals of different families for the same slot: the earlier rule wins.
Adding a rule: a module here with a class following `core.rule.Rule`, its entry
below, its templates (templates/<lang>/<kind>.txt.j2) and the wording of its
evidence codes (drafts/evidence.py). Nothing else changes.
"""

from mailwatch.core.rule import Rule
from mailwatch.rules.abuse import AbusiveMail
from mailwatch.rules.confirmation import Confirmation
from mailwatch.rules.follow_up import FollowUp
from mailwatch.rules.invoicing import Invoicing
from mailwatch.rules.new_address import NewAddress
from mailwatch.rules.owner_reply import OwnerReply
from mailwatch.rules.pause_notice import PauseNotice
from mailwatch.rules.payment_ladder import PaymentLadder
from mailwatch.rules.report_day import ReportDay
from mailwatch.rules.resume_notice import ResumeNotice
from mailwatch.rules.unreadable import UnreadableText

RULES: tuple[Rule, ...] = (
    AbusiveMail(),
    PauseNotice(),
    FollowUp(),
    Confirmation(),  # before OwnerReply: a confirmation answers the client
    OwnerReply(),
    NewAddress(),
    ReportDay(),
    PaymentLadder(),
    ResumeNotice(),
    Invoicing(),
    UnreadableText(),
)

__all__ = ["RULES"]
