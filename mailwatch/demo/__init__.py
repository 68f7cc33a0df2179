"""`mailwatch demo`: a small agency mailbox on real local mail servers, end to end."""
