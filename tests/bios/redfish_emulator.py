"""A Redfish BMC on loopback for the bios role's tests: sushy-tools' emulator with its libvirt driver on
libvirt's test:///default URI, serving TLS with a self-signed certificate made here and basic authentication.

The libvirt test driver keeps its state only while a connection is open, and sushy opens one per request:
the launcher holds one connection for the emulator's whole life, in the same process.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import os
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import bcrypt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

LAUNCHER = """
import sys
import libvirt
held = libvirt.open("test:///default")  # keeps the test driver's state alive between requests
from sushy_tools.emulator.main import main
sys.exit(main())
"""


def self_signed(folder: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "hyth-bmc.test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "bmc.crt", folder / "bmc.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Bmc:
    host: str  # host:port, as the redfish modules take it
    username: str
    password: str
    ca: Path
    process: subprocess.Popen[bytes]
    log: Path

    def get(self, path: str) -> bytes:
        context = ssl.create_default_context(cafile=str(self.ca))
        request = urllib.request.Request(f"https://{self.host}{path}")
        token = f"{self.username}:{self.password}".encode()
        request.add_header("Authorization", "Basic " + base64.b64encode(token).decode())
        with urllib.request.urlopen(request, context=context, timeout=10) as response:
            return bytes(response.read())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start(folder: Path, username: str = "admin", password: str = "hyth-test-pw") -> Bmc:
    folder.mkdir(parents=True, exist_ok=True)
    cert, key = self_signed(folder)
    htpasswd = folder / "htpasswd"
    htpasswd.write_text(f"{username}:{bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()}\n")
    config = folder / "emulator.conf"
    config.write_text(
        f"SUSHY_EMULATOR_AUTH_FILE = {str(htpasswd)!r}\nSUSHY_EMULATOR_LIBVIRT_URI = 'test:///default'\n"
    )
    launcher = folder / "launch.py"
    launcher.write_text(LAUNCHER)
    port = free_port()
    log = folder / "emulator.log"
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [sys.executable, str(launcher), "--config", str(config), "-i", "127.0.0.1", "-p", str(port),
             "--ssl-certificate", str(cert), "--ssl-key", str(key)],
            stdout=out, stderr=subprocess.STDOUT, env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
    bmc = Bmc(f"127.0.0.1:{port}", username, password, cert, process, log)
    deadline = time.monotonic() + 60
    while True:
        try:
            bmc.get("/redfish/v1/Systems")
            return bmc
        except OSError as exc:
            if process.poll() is not None or time.monotonic() > deadline:
                bmc.stop()
                raise RuntimeError(f"Redfish emulator did not start ({exc}):\n{log.read_text()}") from exc
            time.sleep(0.3)
