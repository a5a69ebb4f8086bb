"""A real SMTP server on loopback (aiosmtpd) that tests start and stop."""

from __future__ import annotations

import email
import socket
from email import policy

from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Handler:
    def __init__(self, refuse: set[str]):
        self.refuse = refuse
        self.messages = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content, policy=policy.default))
        return "250 Message accepted"


class MailServer:
    def __init__(self):
        self.port = free_port()
        self.handler = _Handler(set())
        self.controller = None

    @property
    def messages(self):
        return self.handler.messages

    def refuse(self, address: str) -> None:
        self.handler.refuse.add(address)

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
