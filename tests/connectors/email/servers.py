"""Real mail servers on loopback for the e-mail tests: a private Dovecot (IMAP) and an aiosmtpd (SMTP).

Dovecot runs from its Debian package with its own configuration in a temporary directory, on a free port,
plain-text login allowed on loopback and one passwd-file user with a maildir. Tests skip when it is missing."""

from __future__ import annotations

import contextlib
import grp
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

DOVECOT = shutil.which("dovecot") or ("/usr/sbin/dovecot" if os.path.exists("/usr/sbin/dovecot") else "")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dovecot:
    def __init__(self, root: Path, users: dict[str, str], *, tls: tuple[Path, Path] | None = None):
        self.root = root
        self.users = users
        self.tls = tls
        self.port = free_port()
        self.imaps_port = free_port() if tls else 0
        self.config = root / "dovecot.conf"

    def start(self) -> Dovecot:
        root = self.root
        if os.geteuid() == 0:  # dovecot never runs mail processes as root: use its own unprivileged users
            mail_user, login_user, internal_user = "dovecot", "dovenull", "dovecot"
        else:
            mail_user = login_user = internal_user = pwd.getpwuid(os.getuid()).pw_name
        mail = pwd.getpwnam(mail_user)
        (root / "run").mkdir(parents=True)
        home = root / "home"
        home.mkdir()
        lines = []
        for name, password in self.users.items():
            (home / name).mkdir()
            lines.append(f"{name}:{{PLAIN}}{password}:{mail.pw_uid}:{mail.pw_gid}::{home / name}::")
        (root / "passwd").write_text("\n".join(lines) + "\n")
        if os.geteuid() == 0:
            for path in [home, *home.iterdir()]:
                os.chown(path, mail.pw_uid, mail.pw_gid)
            os.chmod(root, 0o755)
        self.config.write_text(
            f"""
protocols = imap
listen = 127.0.0.1
base_dir = {root}/run
state_dir = {root}/run
log_path = {root}/dovecot.log
instance_name = parlons-test-{self.port}
{self._ssl()}
disable_plaintext_auth = no
auth_mechanisms = plain login
default_internal_user = {internal_user}
default_internal_group = {grp.getgrgid(pwd.getpwnam(internal_user).pw_gid).gr_name}
default_login_user = {login_user}
first_valid_uid = 1
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%n {root}/passwd
}}
userdb {{
  driver = passwd-file
  args = username_format=%n {root}/passwd
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.port}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.imaps_port}
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
service stats {{
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""
        )
        with open(root / "start.log", "wb") as out:  # dovecot forks: never wait on a pipe it keeps open
            subprocess.run([DOVECOT, "-c", str(self.config)], check=True, stdout=out, stderr=out, timeout=20)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1) as s:
                    if s.recv(100).startswith(b"* OK"):
                        return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("dovecot did not start: " + self.log())

    def _ssl(self) -> str:
        if not self.tls:
            return "ssl = no"
        cert, key = self.tls
        return f"ssl = yes\nssl_cert = <{cert}\nssl_key = <{key}"

    def log(self) -> str:
        return "".join(
            p.read_text() for p in (self.root / "start.log", self.root / "dovecot.log") if p.exists()
        )

    def stop(self) -> None:
        """SIGTERM to this instance's own master process (its children follow)."""
        pid_file = self.root / "run" / "master.pid"
        with contextlib.suppress(OSError, ValueError):
            os.kill(int(pid_file.read_text().strip()), signal.SIGTERM)


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost (the tests' own CA file)."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    key_path.chmod(0o644)  # dovecot reads it as root before dropping privileges; a test key only
    return cert_path, key_path
