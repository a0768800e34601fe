"""A real SMTP server on localhost (aiosmtpd) that records what arrives, for delivery tests.

It can refuse chosen recipients for good (550), drop the connection in the middle of a
message's transfer, require STARTTLS with a self-signed certificate, and require a login.
"""

from __future__ import annotations

import datetime as dt
import email
import socket
import ssl
from dataclasses import dataclass, field
from email.message import Message
from email.policy import default
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Received:
    sender: str
    recipients: list[str]
    message: Message


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate and key for ``localhost`` / 127.0.0.1 (the certificate is its own CA)."""
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([
                x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .sign(key, hashes.SHA256()))
    cert_path, key_path = folder / "smtp-cert.pem", folder / "smtp-key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_path, key_path


@dataclass
class Handler:
    received: list[Received] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)
    drop_during_data: set[str] = field(default_factory=set)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:  # noqa: N802 - aiosmtpd's name
        if address in self.refuse:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        if set(envelope.rcpt_tos) & self.drop_during_data:
            server.transport.close()  # the message arrived but the reply never leaves
            return "250 OK"
        message = email.message_from_bytes(envelope.content, policy=default)
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        return "250 Message accepted"


class LocalSmtp:
    """A running server; ``settings_env()`` gives the environment pointing the app at it."""

    def __init__(self, handler: Handler | None = None, cert: tuple[Path, Path] | None = None,
                 login: tuple[str, str] | None = None, port: int | None = None) -> None:
        self.handler = handler or Handler()
        self.port = port or free_port()
        self.cert = cert
        self.login = login
        kwargs: dict[str, Any] = {}
        if cert:
            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(*map(str, cert))
            kwargs.update(tls_context=context, require_starttls=True)
        if login:
            kwargs.update(authenticator=self._authenticate, auth_required=True)
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port,
                                     **kwargs)

    def _authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str,
                      data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and self.login is not None and \
            (data.login.decode(), data.password.decode()) == self.login
        return AuthResult(success=ok)

    def start(self) -> LocalSmtp:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def settings_env(self) -> dict[str, str]:
        env = {"CYMBAL_SMTP_HOST": "127.0.0.1", "CYMBAL_SMTP_PORT": str(self.port),
               "CYMBAL_SMTP_SECURITY": "starttls" if self.cert else "none",
               "CYMBAL_SMTP_SEND_RATE_PER_S": "1000", "CYMBAL_SMTP_TIMEOUT_S": "5"}
        if self.cert:
            env["CYMBAL_SMTP_CA_FILE"] = str(self.cert[0])
        if self.login:
            env.update(CYMBAL_SMTP_USERNAME=self.login[0], CYMBAL_SMTP_PASSWORD=self.login[1])
        return env

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def __enter__(self) -> LocalSmtp:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
