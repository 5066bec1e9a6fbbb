"""Fixtures for analyze tests: certificates generated at test time at fixed dates relative to NOW, fixture
folders copied to a temporary dump with their ${CA_...} placeholders filled in, and a CLI runner."""

from __future__ import annotations

import base64
import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

NOW = datetime(2026, 11, 24, 0, 0, 0, tzinfo=timezone.utc)
NOW_TEXT = "2026-11-24T00:00:00Z"
FIXTURES = Path(__file__).parent / "fixtures"
WEBHOOK_TARGET = "ValidatingWebhookConfiguration/guard-webhook/policy.guard.example.com"


def make_certificate(common_name: str, not_before: datetime, not_after: datetime):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )


def pem(cert) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding

    return cert.public_bytes(Encoding.PEM)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@pytest.fixture(scope="session")
def ca_bundles() -> dict[str, str]:
    """caBundle values (base64) by placeholder name."""
    from cryptography.hazmat.primitives.serialization import Encoding

    valid = make_certificate("guard-ca", NOW - timedelta(days=30), NOW + timedelta(days=365))
    expiring = make_certificate("guard-ca-expiring", NOW - timedelta(days=355), NOW + timedelta(days=10))
    expired = make_certificate("guard-ca-old", NOW - timedelta(days=400), NOW - timedelta(days=5))
    return {
        "CA_VALID": b64(pem(valid)),
        "CA_EXPIRING": b64(pem(expiring)),
        "CA_EXPIRED": b64(pem(expired)),
        "CA_ROTATION_WITH_EXPIRED": b64(pem(expired) + pem(valid)),
        "CA_DER": b64(valid.public_bytes(Encoding.DER)),
        "CA_NOT_BASE64": "-----BEGIN CERTIFICATE-----not base64-----END CERTIFICATE-----",
        "CA_GARBLED_PEM": b64(b"-----BEGIN CERTIFICATE-----\nTUlJQmFkQ2VydA==\n-----END CERTIFICATE-----\n"),
    }


def materialize(src: Path, dst: Path, bundles: dict[str, str]) -> Path:
    """Copy a fixture folder, filling ${NAME} placeholders in text files."""
    shutil.copytree(src, dst)
    for path in dst.rglob("*"):
        if path.is_file() and not path.name.endswith(".gz"):
            text = path.read_text()
            for name, value in bundles.items():
                text = text.replace("${" + name + "}", value)
            path.write_text(text)
    return dst


@pytest.fixture
def dump(tmp_path, ca_bundles):
    """dump('cert-expired/fires') -> a ready dump folder."""

    def make(case: str) -> Path:
        return materialize(FIXTURES / case, tmp_path / case.replace("/", "-"), ca_bundles)

    return make


@pytest.fixture
def run_cli(capsys):
    """Run `migrator ...` in-process: (exit code, stdout, stderr)."""
    from migrator.cli.app import main

    def run(*args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        try:
            main(list(args))
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        out, err = capsys.readouterr()
        return code, out, err

    return run


@pytest.fixture
def analyze_json(run_cli):
    def run(folder: Path, *extra: str) -> dict:
        code, out, err = run_cli("analyze", "--from", str(folder), "--now", NOW_TEXT, "--format", "json", *extra)
        assert code in (0, 1), err
        return json.loads(out)

    return run
