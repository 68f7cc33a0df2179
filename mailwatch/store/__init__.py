"""Durable state: TinyDB on an atomic, crash-safe JSON storage, one process at a time."""

from mailwatch.store.records import Draft, FolderState, MessageRecord
from mailwatch.store.store import SCHEMA_VERSION, Store

__all__ = ["SCHEMA_VERSION", "Draft", "FolderState", "MessageRecord", "Store"]
