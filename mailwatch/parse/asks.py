"""Does our own message ask the client for something? Moved to `mailwatch.detect.asks`
(which also says which sentence asks, what for and by when); re-exported here so that
`from mailwatch.parse import asks_something` keeps working."""

from mailwatch.detect.asks import REQUEST_PHRASES_EN, REQUEST_PHRASES_FR, asks_something

__all__ = ["REQUEST_PHRASES_EN", "REQUEST_PHRASES_FR", "asks_something"]
