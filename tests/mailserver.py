"""A real SMTP server for the tests (aiosmtpd on 127.0.0.1, a free port), keeping what it
received; it can refuse the next messages with a temporary error, as a busy server does."""

import socket
import time
from email import message_from_bytes, policy

from aiosmtpd.controller import Controller


class Recorder:
    """The SMTP handler: keeps each message, or refuses while ``refuse`` is above 0."""

    def __init__(self):
        self.messages = []
        self.refuse = 0

    async def handle_DATA(self, server, session, envelope):
        if self.refuse > 0:
            self.refuse -= 1
            return "451 4.3.0 Try again later"
        self.messages.append((envelope.rcpt_tos, message_from_bytes(
            envelope.content, policy=policy.default)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class MailServer:
    """Start with ``start()``, read ``recorder.messages``, ``stop()`` at the end."""

    def __init__(self):
        self.recorder = Recorder()
        self.port = free_port()
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()

    def wait_for(self, count: int, seconds: float = 20.0) -> list:
        """The messages once ``count`` arrived (bounded wait; never a timing assertion)."""
        deadline = time.monotonic() + seconds
        while len(self.recorder.messages) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return self.recorder.messages
