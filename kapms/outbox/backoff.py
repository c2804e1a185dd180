"""When a message that could not be sent is tried again (pure rule, no database).

Attempt n (counting from 1) that failed waits ``first * 4**(n-1)`` minutes, so with the
default of one minute: 1, 4, 16, 64, 256 minutes; after ``max_attempts`` failures the
message is given up and the admins see it under Outbox. A mail server that is down for a
few hours still gets every message once it is back.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

FACTOR = 4


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently a message is tried (settings MAIL_MAX_ATTEMPTS and
    MAIL_RETRY_MINUTES)."""

    max_attempts: int = 6
    first_delay_minutes: int = 1

    @classmethod
    def from_config(cls, config) -> "RetryPolicy":
        """The policy from an app config mapping."""
        return cls(int(config.get("MAIL_MAX_ATTEMPTS", 6)),
                   int(config.get("MAIL_RETRY_MINUTES", 1)))


def next_attempt(attempts: int, failed_at: datetime, policy: RetryPolicy) -> datetime | None:
    """When to try again after ``attempts`` failed attempts, or None to give up."""
    if attempts < 1:
        raise ValueError("a retry follows at least one attempt")
    if attempts >= policy.max_attempts:
        return None
    return failed_at + timedelta(minutes=policy.first_delay_minutes * FACTOR ** (attempts - 1))
