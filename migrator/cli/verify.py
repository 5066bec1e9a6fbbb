"""`migrator verify`: decide recorded AdmissionReviews with the ValidatingAdmissionPolicies, as the API server would."""

from __future__ import annotations

from enum import Enum
from typing import List, Optional

import typer

from migrator.cli.app import app


class Format(str, Enum):
    table = "table"
    json = "json"
    junit = "junit"


@app.command(name="verify")
def verify_command(
    samples: List[str] = typer.Option(
        ..., "--samples", help="AdmissionReview files or folders (YAML/JSON, multi-document, JSON Lines, .gz). Repeatable."
    ),
    policies: List[str] = typer.Option(
        ..., "--policies", help="ValidatingAdmissionPolicy + binding files or folders; other kinds are ignored. Repeatable."
    ),
    namespaces: Optional[List[str]] = typer.Option(
        None, "--namespaces", help="Namespace objects for namespaceSelector and namespaceObject (default: name + kubernetes.io/metadata.name label)."
    ),
    params: Optional[List[str]] = typer.Option(None, "--params", help="Param objects (ConfigMaps, CRs) that bindings' paramRef select."),
    authorizer: Optional[str] = typer.Option(None, "--authorizer", help="Rules answering `authorizer` checks (default: allow all)."),
    fmt: Format = typer.Option(Format.table, "--format", help="table, json (issue 4 shape) or junit."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1, help="Worker processes (default: CPU count)."),
) -> None:
    """Evaluate the policies against recorded AdmissionReviews and compare with the recorded decisions.

    Exit 0 when every sample with a recorded decision agrees, 1 when any disagrees, 2 on bad input.
    """
    from migrator.verify import VerifyOptions, verify

    code = verify(
        VerifyOptions(
            samples=samples,
            policies=policies,
            namespaces=namespaces or (),
            params=params or (),
            authorizer=authorizer,
            format=fmt.value,
            jobs=jobs,
        )
    )
    if code:
        raise SystemExit(code)
