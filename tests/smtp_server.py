"""A tiny SMTP server for tests: it either speaks just enough SMTP to take messages (kept in
`received`), or accepts connections and never says a word (`hang`), as a dead mail server
behind a live load balancer does."""

from __future__ import annotations

import socket
import threading
import time
from email import message_from_bytes, policy
from email.message import EmailMessage


class FakeSMTPServer:
    def __init__(self, *, hang: bool = False):
        self.hang = hang
        self.received: list[EmailMessage] = []
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._held: list[socket.socket] = []
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def __enter__(self) -> FakeSMTPServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(5)
        for connection in self._held:
            connection.close()
        self._listener.close()

    def wait_for(self, count: int, timeout: float) -> list[EmailMessage]:
        deadline = time.monotonic() + timeout
        while len(self.received) < count and time.monotonic() < deadline:
            time.sleep(0.05)
        return list(self.received)

    def _serve(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except socket.timeout:
                continue
            if self.hang:
                self._held.append(connection)  # accepted, never answered
                continue
            threading.Thread(target=self._talk, args=(connection,), daemon=True).start()

    def _talk(self, connection: socket.socket) -> None:
        with connection, connection.makefile("rb") as lines:
            def say(text: str) -> None:
                connection.sendall(text.encode() + b"\r\n")

            say("220 fake.test ESMTP")
            while True:
                line = lines.readline()
                if not line:
                    return
                command = line.decode(errors="replace").strip().upper()
                if command.startswith(("EHLO", "HELO")):
                    say("250 fake.test")
                elif command.startswith(("MAIL", "RCPT", "RSET", "NOOP")):
                    say("250 OK")
                elif command == "DATA":
                    say("354 go ahead")
                    data = b""
                    for chunk in iter(lines.readline, b""):
                        if chunk in (b".\r\n", b".\n"):
                            break
                        data += chunk[1:] if chunk.startswith(b"..") else chunk
                    self.received.append(message_from_bytes(data, policy=policy.default))
                    say("250 queued")
                elif command == "QUIT":
                    say("221 bye")
                    return
                else:
                    say("502 not implemented")
