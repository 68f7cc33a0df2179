"""The outer layer: sync the mailbox, evaluate the rules, apply the plan, send approved drafts."""
