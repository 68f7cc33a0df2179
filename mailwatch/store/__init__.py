"""Durable state: TinyDB on an atomic, crash-safe JSON storage, one process at a time."""

from mailwatch.store.store import SCHEMA_VERSION, FolderState, Store

__all__ = ["SCHEMA_VERSION", "FolderState", "Store"]
