"""Existing objects -> CREATE samples: "would the new policies reject what is already running?"

Objects come from `kubectl get -o yaml|json` dumps (files or folders; Lists expanded) or from the live API
(read-only: discovery plus paginated list calls through the kubernetes client). Each object becomes the CREATE
request that would make it again, in its own namespace, with no recorded decision.

The object is shown as the API server's validating admission would see a re-create: server-kept fields that
cannot be sent on a create are dropped (metadata.managedFields, resourceVersion, deletionTimestamp,
deletionGracePeriodSeconds, and `status`, which create strategies reset before validating admission runs);
everything the user wrote is kept.

Resource names: CustomResourceDefinitions found in the same dump (or discovery, live) give exact plurals and
scopes; built-ins come from migrator.sources.kinds; anything else is guessed as the API machinery does.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from migrator.errors import InputError, MigratorError
from migrator.sources.kinds import is_namespaced, resource_for_kind, split_api_version
from migrator.samples.review import Sample, admission_review, default_options, gvk, gvr, label_for
from migrator.samples.selectors import ResourceSelector

_UID_NAMESPACE = uuid.UUID("0f6f3b5c-6f43-4c6e-9a3c-6d1f0b2f6c11")
DROPPED_METADATA = ("managedFields", "resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds")


@dataclass
class ClusterSummary:
    objects: int = 0
    samples: int = 0
    by_resource: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ResourceInfo:
    group: str
    version: str
    resource: str
    kind: str
    namespaced: bool


def object_for_create(obj: dict[str, Any]) -> dict[str, Any]:
    """A copy of `obj` as a create request would carry it (see the module docstring)."""
    out = copy.deepcopy(obj)
    out.pop("status", None)
    meta = out.get("metadata")
    if isinstance(meta, dict):
        for key in DROPPED_METADATA:
            meta.pop(key, None)
    return out


def create_sample(obj: dict[str, Any], info: ResourceInfo, user_info: dict[str, Any] | None) -> Sample:
    meta = obj.get("metadata") or {}
    name = str(meta.get("name") or "")
    namespace = str(meta.get("namespace") or "") if info.namespaced else ""
    uid = str(uuid.uuid5(_UID_NAMESPACE, f"{info.group}/{info.kind}/{namespace}/{name}"))
    review = admission_review(
        uid=uid,
        kind=gvk(info.group, info.version, info.kind),
        resource=gvr(info.group, info.version, info.resource),
        name=name,
        namespace=namespace,
        operation="CREATE",
        user_info=user_info,
        obj=object_for_create(obj),
        options=default_options("CREATE"),
    )
    return Sample(review, label_for("CREATE", info.resource, "", namespace, name))


def _selected(selectors: list[ResourceSelector], info: ResourceInfo) -> bool:
    return not selectors or any(s.matches(info.group, info.resource, "") for s in selectors)


# ---------------------------------------------------------------------------------------------- dumps


def _check_object(doc: Any) -> dict[str, Any]:
    obj = doc.obj
    if not isinstance(obj, dict):
        raise InputError(doc.path, "not a Kubernetes object (expected a mapping)", doc.where)
    if not obj.get("apiVersion") or not obj.get("kind"):
        raise InputError(doc.path, "not a Kubernetes object: apiVersion and kind are required", doc.where)
    return obj


def _crd_infos(docs: Iterable[Any]) -> dict[tuple[str, str], tuple[str, bool]]:
    """(group, kind) -> (plural, namespaced) from CustomResourceDefinitions in the dump.

    This first pass also checks every document, so bad input stops the run before anything is written."""
    out: dict[tuple[str, str], tuple[str, bool]] = {}
    for doc in docs:
        obj = _check_object(doc)
        if obj.get("kind") != "CustomResourceDefinition":
            continue
        spec = obj.get("spec") or {}
        names = spec.get("names") or {}
        if spec.get("group") and names.get("kind") and names.get("plural"):
            out[(spec["group"], names["kind"])] = (names["plural"], spec.get("scope", "Namespaced") == "Namespaced")
    return out


def iter_dump_samples(
    paths: Iterable[str],
    selectors: list[ResourceSelector],
    user_info: dict[str, Any] | None,
    summary: ClusterSummary,
) -> Iterator[Sample]:
    """Samples for every object in `kubectl get -o yaml|json` dumps under `paths`."""
    from migrator.sources.documents import iter_documents

    paths = list(paths)
    crds = _crd_infos(iter_documents(paths))
    for doc in iter_documents(paths):
        obj = _check_object(doc)
        api_version, kind = obj["apiVersion"], obj["kind"]
        summary.objects += 1
        group, version = split_api_version(api_version)
        if (group, kind) in crds:
            plural, namespaced = crds[(group, kind)]
        else:
            plural = resource_for_kind(kind, group)
            namespaced = is_namespaced(kind, group, default=bool((obj.get("metadata") or {}).get("namespace")))
        info = ResourceInfo(group, version, plural, kind, namespaced)
        if not _selected(selectors, info):
            summary.skipped["not selected by --resources"] += 1
            continue
        summary.samples += 1
        summary.by_resource[f"{plural}.{group}" if group else plural] += 1
        yield create_sample(obj, info, user_info)


# ---------------------------------------------------------------------------------------------- live


class LiveCluster:
    """Read-only access to an API server: discovery and paginated lists, as raw JSON (no model classes)."""

    def __init__(self, context: str | None = None, kubeconfig: str | None = None) -> None:
        from kubernetes import config
        from kubernetes.config.config_exception import ConfigException

        try:
            self.client = config.new_client_from_config(config_file=kubeconfig, context=context)
        except ConfigException as exc:
            if context or kubeconfig:
                raise MigratorError(f"kubeconfig: {exc}") from None
            try:  # running inside a pod
                config.load_incluster_config()
                from kubernetes.client import ApiClient

                self.client = ApiClient()
            except ConfigException:
                raise MigratorError(f"no cluster to read: {exc}") from None
        except FileNotFoundError as exc:
            raise MigratorError(f"kubeconfig: {exc}") from None

    def get(self, path: str, query: list[tuple[str, str]] | None = None) -> dict[str, Any]:
        from kubernetes.client.rest import ApiException

        headers = {"Accept": "application/json"}
        try:
            if hasattr(self.client, "param_serialize"):  # kubernetes >= 31 (openapi-generator 7)
                method, url, hdrs, _body, _post = self.client.param_serialize(
                    "GET", path, query_params=query or [], header_params=headers, auth_settings=["BearerToken"]
                )
                resp = self.client.call_api(method, url, header_params=hdrs)
                data = resp.read()
                status, reason = resp.status, getattr(resp, "reason", "")
            else:
                resp = self.client.call_api(
                    path, "GET", query_params=query or [], header_params=headers, auth_settings=["BearerToken"],
                    _preload_content=False, _return_http_data_only=True,
                )
                data, status, reason = resp.data, resp.status, resp.reason
        except ApiException as exc:
            raise MigratorError(f"GET {path}: {exc.status} {exc.reason}") from None
        except Exception as exc:  # urllib3 connection errors and the like
            raise MigratorError(f"GET {path}: cannot reach the API server: {type(exc).__name__}: {exc}") from None
        if status >= 400:
            raise MigratorError(f"GET {path}: {status} {reason}".rstrip())
        try:
            return json.loads(data)
        except ValueError:
            raise MigratorError(f"GET {path}: the answer is not JSON") from None

    def resources(self) -> list[ResourceInfo]:
        """Listable, creatable top-level resources of every group's preferred version."""
        group_versions: list[tuple[str, str, str]] = []  # (group, version, path)
        for version in self.get("/api").get("versions") or []:
            group_versions.append(("", version, f"/api/{version}"))
        for group in self.get("/apis").get("groups") or []:
            preferred = (group.get("preferredVersion") or {}).get("version")
            if not preferred and group.get("versions"):
                preferred = group["versions"][0].get("version")
            if preferred:
                group_versions.append((group["name"], preferred, f"/apis/{group['name']}/{preferred}"))
        out: list[ResourceInfo] = []
        for group, version, path in group_versions:
            for res in self.get(path).get("resources") or []:
                name = res.get("name", "")
                verbs = res.get("verbs") or []
                if "/" in name or "list" not in verbs or "create" not in verbs:
                    continue
                if (group, name) == ("events.k8s.io", "events"):
                    continue  # the same objects as core/v1 events
                out.append(ResourceInfo(group, version, name, res.get("kind", ""), bool(res.get("namespaced"))))
        return out

    def list_objects(self, info: ResourceInfo, page_size: int = 500) -> Iterator[dict[str, Any]]:
        base = f"/api/{info.version}" if not info.group else f"/apis/{info.group}/{info.version}"
        path = f"{base}/{info.resource}"
        token = ""
        api_version = f"{info.group}/{info.version}" if info.group else info.version
        while True:
            query = [("limit", str(page_size))]
            if token:
                query.append(("continue", token))
            page = self.get(path, query)
            for item in page.get("items") or []:
                if isinstance(item, dict):
                    # list items come without apiVersion/kind
                    yield {"apiVersion": api_version, "kind": info.kind, **item}
            token = (page.get("metadata") or {}).get("continue") or ""
            if not token:
                return


def iter_live_samples(
    cluster: LiveCluster,
    selectors: list[ResourceSelector],
    user_info: dict[str, Any] | None,
    summary: ClusterSummary,
) -> Iterator[Sample]:
    for info in cluster.resources():
        if not _selected(selectors, info):
            continue
        key = f"{info.resource}.{info.group}" if info.group else info.resource
        try:
            for obj in cluster.list_objects(info):
                summary.objects += 1
                summary.samples += 1
                summary.by_resource[key] += 1
                yield create_sample(obj, info, user_info)
        except MigratorError as exc:
            # e.g. RBAC lets us list pods but not secrets: say so and go on with the rest
            summary.notes.append(f"{key}: not listed ({exc})")
