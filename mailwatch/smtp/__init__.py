"""Where mailwatch talks SMTP: an Outbox interface, aiosmtplib behind it, a fake for tests."""

from mailwatch.smtp.base import (
    Delivery,
    DeliveryUnknown,
    Outbox,
    PermanentFailure,
    TemporaryFailure,
)

__all__ = ["Delivery", "DeliveryUnknown", "Outbox", "PermanentFailure", "TemporaryFailure"]
