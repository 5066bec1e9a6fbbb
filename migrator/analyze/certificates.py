"""Checks on `clientConfig.caBundle`: does it parse, has a certificate in it expired or is about to."""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from migrator.analyze.context import Context
from migrator.analyze.model import Finding, Webhook

EXPIRING_WITHIN = timedelta(days=30)
_PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----\r?\n?(.*?)-----END \1-----", re.S)


@dataclass
class BundleCertificate:
    subject: str
    not_after: datetime


@dataclass
class Bundle:
    certificates: list[BundleCertificate]
    problems: list[str]  # why (part of) the bundle is invalid


def read_bundle(ca_bundle: str) -> Bundle:
    """Base64-decode a caBundle and read every PEM CERTIFICATE block in it."""
    from cryptography import x509

    try:
        raw = base64.b64decode("".join(ca_bundle.split()), validate=True)
    except (binascii.Error, ValueError):
        return Bundle([], ["caBundle is not valid base64"])
    blocks = [m for m in _PEM_BLOCK.finditer(raw) if m.group(1) == b"CERTIFICATE"]
    if not blocks:
        what = "DER or other binary data" if not raw.lstrip().startswith(b"-----") else "PEM without a CERTIFICATE block"
        return Bundle([], [f"caBundle holds no PEM CERTIFICATE block ({what})"])
    certs: list[BundleCertificate] = []
    problems: list[str] = []
    for number, block in enumerate(blocks, 1):
        try:
            cert = x509.load_pem_x509_certificate(block.group(0))
            not_after = cert.not_valid_after_utc
            subject = cert.subject.rfc4514_string() or "<empty subject>"
        except Exception as exc:  # noqa: BLE001 - any parse failure makes the block invalid
            problems.append(f"certificate {number} does not parse as X.509 ({type(exc).__name__})")
            continue
        certs.append(BundleCertificate(subject, not_after))
    return Bundle(certs, problems)


def check(ctx: Context) -> list[Finding]:
    findings: list[Finding] = []
    now = ctx.options.now.astimezone(timezone.utc)
    for wh in ctx.webhooks:
        if not wh.ca_bundle or not wh.ca_bundle.strip():
            continue
        findings += bundle_findings(wh, read_bundle(wh.ca_bundle), now)
    return findings


def _day(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def bundle_findings(wh: Webhook, bundle: Bundle, now: datetime) -> list[Finding]:
    out: list[Finding] = []
    if bundle.problems:
        out.append(
            Finding(
                "cert-invalid",
                wh.target,
                f"{'; '.join(bundle.problems)}: the API server cannot verify the webhook's serving certificate, so "
                f"every call fails TLS. Set clientConfig.caBundle to the base64 of the PEM CA certificate that signed "
                f"the serving certificate (e.g. let cert-manager's cainjector manage it).",
            )
        )
    expired = [c for c in bundle.certificates if c.not_after < now]
    expiring = [c for c in bundle.certificates if c.not_after >= now and c.not_after - now < EXPIRING_WITHIN]
    if expired:
        c = expired[0]
        out.append(
            Finding(
                "cert-expired",
                wh.target,
                f"caBundle certificate {c.subject!r} expired at {_day(c.not_after)}: TLS to the webhook fails "
                f"(x509: certificate has expired) for every call. Rotate the CA and serving certificate and put the "
                f"new CA in clientConfig.caBundle (for cert-manager: renew the Certificate; cainjector updates it).",
            )
        )
    if expiring:
        c = min(expiring, key=lambda c: c.not_after)
        days = (c.not_after - now).total_seconds() / 86400
        out.append(
            Finding(
                "cert-expiring",
                wh.target,
                f"caBundle certificate {c.subject!r} expires at {_day(c.not_after)} (in {days:.1f} days): rotate it "
                f"now, adding the new CA to clientConfig.caBundle next to the old one until the serving certificate "
                f"is replaced.",
            )
        )
    return out
