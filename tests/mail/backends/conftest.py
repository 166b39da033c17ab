"""Real SMTP servers for the mail tests: aiosmtpd on free ports, with certificates made here.

A throwaway CA signs a certificate for 127.0.0.1/localhost and one for ``wrong.example``;
the client trusts the CA through ``?cafile=`` so verification stays on in every test.
"""

from __future__ import annotations

import datetime
import ipaddress
import socket
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

HOST = "127.0.0.1"
USER, PASSWORD = "mailer", "s3cret:p@ss/word"


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list[str]
    content: bytes
    login: bytes | None


@dataclass
class Sink:
    """An aiosmtpd handler that keeps every message it accepts."""

    messages: list[Received] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        login = session.auth_data.login if isinstance(session.auth_data, LoginPassword) else None
        self.messages.append(
            Received(envelope.mail_from, list(envelope.rcpt_tos), envelope.content, login)
        )
        return "250 Message accepted"


def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> Any:
    ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
        USER.encode(),
        PASSWORD.encode(),
    )
    return AuthResult(success=ok, handled=False, auth_data=data if ok else None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _name(common: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common)])


@dataclass
class Certs:
    cafile: Path
    good: ssl.SSLContext
    wrong_host: ssl.SSLContext


@pytest.fixture(scope="session")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    directory = tmp_path_factory.mktemp("certs")
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (
        x509.CertificateBuilder()
        .subject_name(_name("Bastion test CA"))
        .issuer_name(_name("Bastion test CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), False)
        .sign(ca_key, hashes.SHA256())
    )
    cafile = directory / "ca.pem"
    cafile.write_bytes(ca.public_bytes(serialization.Encoding.PEM))

    def server_context(stem: str, names: list[x509.GeneralName]) -> ssl.SSLContext:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(stem))
            .issuer_name(ca.subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName(names), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), False)
            .add_extension(
                x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), False
            )
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False)
            .sign(ca_key, hashes.SHA256())
        )
        certfile, keyfile = directory / f"{stem}.pem", directory / f"{stem}.key"
        certfile.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        keyfile.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(certfile, keyfile)
        return context

    good = server_context(
        "good", [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address(HOST))]
    )
    wrong = server_context("wrong", [x509.DNSName("wrong.example")])
    return Certs(cafile, good, wrong)


@dataclass
class Server:
    port: int
    sink: Sink


def _serve(**kwargs: Any) -> Iterator[Server]:
    sink = Sink()
    port = free_port()
    controller = Controller(sink, hostname=HOST, port=port, **kwargs)
    controller.start()
    try:
        yield Server(port, sink)
    finally:
        controller.stop()


@pytest.fixture(scope="session")
def plain_server() -> Iterator[Server]:
    """Plain SMTP without STARTTLS or AUTH, as a local relay would be."""
    yield from _serve()


@pytest.fixture(scope="session")
def starttls_server(certs: Certs) -> Iterator[Server]:
    """STARTTLS required, then AUTH LOGIN/PLAIN required before MAIL."""
    yield from _serve(
        tls_context=certs.good,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )


@pytest.fixture(scope="session")
def tls_server(certs: Certs) -> Iterator[Server]:
    """Implicit TLS (port-465 style) with AUTH offered.

    aiosmtpd only counts STARTTLS as TLS, so AUTH is allowed here explicitly; requiring it too
    would make aiosmtpd warn (an error under filterwarnings=error).
    """
    yield from _serve(ssl_context=certs.good, authenticator=authenticator, auth_require_tls=False)


@pytest.fixture(scope="session")
def wrong_host_server(certs: Certs) -> Iterator[Server]:
    """Implicit TLS with a certificate from the trusted CA, but for another host name."""
    yield from _serve(ssl_context=certs.wrong_host)


@pytest.fixture(scope="session")
def wrong_host_starttls_server(certs: Certs) -> Iterator[Server]:
    """STARTTLS offering a certificate for another host name."""
    yield from _serve(tls_context=certs.wrong_host)


@pytest.fixture
def silent_port() -> Iterator[int]:
    """A port that accepts connections and never says a word."""
    listener = socket.socket()
    listener.bind((HOST, 0))
    listener.listen()
    listener.settimeout(0.1)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join()
        for conn in accepted:
            conn.close()
        listener.close()


@pytest.fixture(autouse=True)
def _empty_sinks(request: pytest.FixtureRequest) -> None:
    for name in ("plain_server", "starttls_server", "tls_server"):
        if name in request.fixturenames:
            request.getfixturevalue(name).sink.messages.clear()
