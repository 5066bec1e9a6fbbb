"""The request as admission sees it (admission.Attributes), built from a recorded AdmissionRequest.

A recorded request carries two views: `requestKind`/`requestResource`/`requestSubResource` (what the client
sent) and `kind`/`resource`/`subResource` (what the recording webhook matched, possibly an equivalent
version). The API server's policy plugin sees the former, so that is the request's resource here; the latter,
when it differs, is the one equivalent resource known without discovery data (see matching.py).
Objects are converted to CEL once per request and cached here.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from migrator.cel import to_cel


class GVK(NamedTuple):
    group: str
    version: str
    kind: str


class GVR(NamedTuple):
    group: str
    version: str
    resource: str


def _gvk(value: Any) -> GVK | None:
    if not isinstance(value, dict) or not value.get("kind"):
        return None
    return GVK(str(value.get("group") or ""), str(value.get("version") or ""), str(value["kind"]))


def _gvr(value: Any) -> GVR | None:
    if not isinstance(value, dict) or not value.get("resource"):
        return None
    return GVR(str(value.get("group") or ""), str(value.get("version") or ""), str(value["resource"]))


NAMESPACE_GVR = GVR("", "v1", "namespaces")


class Attributes:
    """One admission request: what matching reads, plus the CEL values expressions read (converted lazily, once)."""

    __slots__ = (
        "request", "kind", "resource", "subresource", "name", "namespace", "operation", "object", "old_object",
        "user_info", "dry_run", "options", "equivalent", "_object_cel", "_old_object_cel", "_request_cel",
    )

    def __init__(self, request: dict) -> None:
        self.request = request
        recorded_kind = _gvk(request.get("kind")) or GVK("", "", "")
        recorded_resource = _gvr(request.get("resource")) or GVR("", "", "")
        self.kind = _gvk(request.get("requestKind")) or recorded_kind
        self.resource = _gvr(request.get("requestResource")) or recorded_resource
        sub = request.get("requestSubResource")
        self.subresource = str(sub if sub is not None and _gvr(request.get("requestResource")) else request.get("subResource") or "")
        self.name = str(request.get("name") or "")
        self.namespace = str(request.get("namespace") or "")
        self.operation = str(request.get("operation") or "")
        self.object = request.get("object") if isinstance(request.get("object"), dict) else None
        self.old_object = request.get("oldObject") if isinstance(request.get("oldObject"), dict) else None
        self.user_info = request.get("userInfo") if isinstance(request.get("userInfo"), dict) else {}
        self.dry_run = bool(request.get("dryRun") or False)
        self.options = request.get("options")
        # The recorded (kind, resource) when it differs from the request's own: an equivalent resource.
        self.equivalent: tuple[GVR, GVK] | None = None
        if recorded_resource != self.resource and recorded_resource.resource:
            self.equivalent = (recorded_resource, recorded_kind)
        self._object_cel: Any = _UNSET
        self._old_object_cel: Any = _UNSET
        self._request_cel: dict[tuple[GVR, GVK], Any] = {}

    @property
    def object_cel(self) -> Any:
        if self._object_cel is _UNSET:
            self._object_cel = to_cel(self.object)
        return self._object_cel

    @property
    def old_object_cel(self) -> Any:
        if self._old_object_cel is _UNSET:
            self._old_object_cel = to_cel(self.old_object)
        return self._old_object_cel

    def request_cel(self, matched_resource: GVR, matched_kind: GVK) -> Any:
        """The `request` variable: cel.CreateAdmissionRequest with the matched (equivalent) kind and resource.

        The API server builds a typed admissionv1.AdmissionRequest, so unset fields read as their zero value;
        object, oldObject and uid are not set (CEL reads objects through `object`/`oldObject`).
        """
        key = (matched_resource, matched_kind)
        value = self._request_cel.get(key)
        if value is None:
            user = self.user_info
            extra = user.get("extra") if isinstance(user.get("extra"), dict) else {}
            value = to_cel(
                {
                    "uid": "",
                    "kind": matched_kind._asdict(),
                    "resource": matched_resource._asdict(),
                    "subResource": self.subresource,
                    "requestKind": self.kind._asdict(),
                    "requestResource": self.resource._asdict(),
                    "requestSubResource": self.subresource,
                    "name": self.name,
                    "namespace": self.namespace,
                    "operation": self.operation,
                    "userInfo": {
                        "username": str(user.get("username") or ""),
                        "uid": str(user.get("uid") or ""),
                        "groups": list(user.get("groups") or []),
                        "extra": {str(k): list(v or []) for k, v in extra.items()},
                    },
                    "dryRun": self.dry_run,
                    "options": self.options,
                }
            )
            self._request_cel[key] = value
        return value


class _Unset:
    __slots__ = ()


_UNSET = _Unset()
