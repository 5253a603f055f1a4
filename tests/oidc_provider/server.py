"""Start and stop the test OIDC provider (this folder's Django project) as a subprocess.

A fresh folder per run holds its SQLite file and an RSA key generated at start; the port is
picked free by the operating system; the process is stopped by its own id.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Provider:
    directory: Path
    port: int
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def issuer(self) -> str:
        return f"{self.base_url}/o"

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
        env["DJANGO_SETTINGS_MODULE"] = "tests.oidc_provider.settings"
        env["OIDC_PROVIDER_DIR"] = str(self.directory)
        return env

    def manage(self, *arguments: str) -> None:
        subprocess.run(  # noqa: S603 (our own interpreter and project)
            [sys.executable, "-m", "django", *arguments],
            cwd=ROOT,
            env=self.environment(),
            check=True,
            capture_output=True,
            timeout=120,
        )

    def register(self, configuration: dict[str, Any]) -> None:
        """The client (xueshi) and the people who may log in at the provider."""
        path = self.directory / "setup.json"
        path.write_text(json.dumps(configuration, ensure_ascii=False))
        self.manage("provider_setup", str(path))

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def start(directory: Path) -> Provider:
    directory.mkdir(parents=True, exist_ok=True)
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    (directory / "signing-key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    provider = Provider(directory=directory, port=free_port())
    provider.manage("migrate", "--noinput", "-v", "0")
    log = (directory / "server.log").open("wb")
    provider.process = subprocess.Popen(  # noqa: S603 (our own interpreter and project)
        [
            sys.executable,
            "-m",
            "django",
            "runserver",
            f"127.0.0.1:{provider.port}",
            "--noreload",
            "--skip-checks",
        ],
        cwd=ROOT,
        env=provider.environment(),
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    discovery = f"{provider.issuer}/.well-known/openid-configuration"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if provider.process.poll() is not None:
            raise RuntimeError((directory / "server.log").read_text())
        try:
            if requests.get(discovery, timeout=2).status_code == 200:
                return provider
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    provider.stop()
    raise RuntimeError("the test OIDC provider did not answer within 60 s")
