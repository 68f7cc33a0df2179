"""The playbook's rules, one module each. Pure: (ClientContext) -> proposals.

Order is precedence: when two rules propose a draft for the same conversation,
the earlier one wins (a pause notice replaces another nudge).
"""

from collections.abc import Callable

from mailwatch.core.context import ClientContext, Proposal
from mailwatch.rules import follow_up, pause_notice

Rule = Callable[[ClientContext], list[Proposal]]

RULES: tuple[Rule, ...] = (pause_notice.propose, follow_up.propose)
