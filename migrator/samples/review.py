"""The one shape every sample has: an admission.k8s.io/v1 AdmissionReview as the API server would send it.

`request` carries uid, kind, resource, subResource, requestKind, requestResource, name, namespace, operation,
userInfo, object, oldObject, dryRun and options; `response` ({uid, allowed[, status]}) is there only when the
decision that was taken is known. `migrator verify` reads exactly this.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

OPERATIONS = ("CREATE", "UPDATE", "DELETE", "CONNECT")

# The options object the API server hands to admission per operation (meta.k8s.io/v1 kinds).
OPTIONS_KIND = {"CREATE": "CreateOptions", "UPDATE": "UpdateOptions", "DELETE": "DeleteOptions"}


@dataclass
class Sample:
    """One AdmissionReview and a short label (`create-pods-default-nginx`) used to name its file."""

    review: dict[str, Any]
    label: str
    decided_by: str = ""  # who took the recorded decision (or why it is unknown), for summaries

    @property
    def request(self) -> dict[str, Any]:
        return self.review["request"]

    @property
    def allowed(self) -> bool | None:
        response = self.review.get("response")
        return None if response is None else bool(response.get("allowed"))


def gvk(group: str, version: str, kind: str) -> dict[str, str]:
    return {"group": group, "version": version, "kind": kind}


def gvr(group: str, version: str, resource: str) -> dict[str, str]:
    return {"group": group, "version": version, "resource": resource}


def default_options(
    operation: str, *, dry_run: bool = False, field_manager: str | None = None, field_validation: str | None = None
) -> dict | None:
    """`options` as the API server fills it: CreateOptions/UpdateOptions/DeleteOptions; CONNECT has none."""
    kind = OPTIONS_KIND.get(operation)
    if kind is None:
        return None
    opts: dict[str, Any] = {"kind": kind, "apiVersion": "meta.k8s.io/v1"}
    if dry_run:
        opts["dryRun"] = ["All"]
    if field_manager and operation != "DELETE":
        opts["fieldManager"] = field_manager
    if field_validation and operation != "DELETE":
        opts["fieldValidation"] = field_validation
    return opts


def admission_review(
    *,
    uid: str,
    kind: dict[str, str],
    resource: dict[str, str],
    sub_resource: str = "",
    name: str = "",
    namespace: str = "",
    operation: str,
    user_info: dict[str, Any] | None,
    obj: Any = None,
    old_obj: Any = None,
    dry_run: bool = False,
    options: dict | None = None,
    request_kind: dict[str, str] | None = None,
    request_resource: dict[str, str] | None = None,
    request_sub_resource: str | None = None,
    allowed: bool | None = None,
    status: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An AdmissionReview; `allowed=None` leaves `response` out (decision unknown)."""
    if operation not in OPERATIONS:
        raise ValueError(f"operation {operation!r} is not one of {', '.join(OPERATIONS)}")
    request: dict[str, Any] = {
        "uid": uid,
        "kind": kind,
        "resource": resource,
    }
    if sub_resource:
        request["subResource"] = sub_resource
    request["requestKind"] = request_kind or dict(kind)
    request["requestResource"] = request_resource or dict(resource)
    if request_sub_resource if request_sub_resource is not None else sub_resource:
        request["requestSubResource"] = request_sub_resource if request_sub_resource is not None else sub_resource
    request.update(
        {
            "name": name,
            "namespace": namespace,
            "operation": operation,
            "userInfo": user_info or {},
            "object": obj,
            "oldObject": old_obj,
            "dryRun": bool(dry_run),
            "options": options,
        }
    )
    review: dict[str, Any] = {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}
    if allowed is not None:
        response: dict[str, Any] = {"uid": uid, "allowed": bool(allowed)}
        if status:
            response["status"] = status
        review["response"] = response
    return review


_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def label_for(operation: str, resource: str, sub_resource: str, namespace: str, name: str) -> str:
    """`create-pods-default-nginx`, `connect-pods-exec-dev-web`: readable, safe as a file name, bounded."""
    parts = [operation.lower(), resource or "unknown"]
    if sub_resource:
        parts.append(sub_resource)
    if namespace:
        parts.append(namespace)
    parts.append(name or "unnamed")
    text = _UNSAFE.sub("-", "-".join(parts)).strip("-.")
    return text[:120] or "sample"
