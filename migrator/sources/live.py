"""`analyze --live`: the same Inventory as a dump folder, read through the `kubernetes` client (read-only).

Configuration as kubectl finds it: --kubeconfig / $KUBECONFIG / ~/.kube/config with --context, else the in-cluster
service account. Only GET list requests are made, paged; a list the credentials may not read (401/403) or the
server does not serve (404, e.g. no Kyverno CRDs) is skipped with a note on stderr. The API server's /metrics is
read when allowed (`get` on the non-resource URL /metrics).
"""

from __future__ import annotations

import json
import sys
from typing import Any, Callable

from migrator.errors import MigratorError
from migrator.sources.cluster import Inventory
from migrator.sources.prometheus import parse_prometheus_text

# (list path, what it is) — the object kinds a dump is read for. Secrets are not listed: the certificates that
# matter are in the webhooks' caBundle, and a read-only audit tool should not need access to secrets.
LIST_PATHS: tuple[tuple[str, str], ...] = (
    ("/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations", "ValidatingWebhookConfiguration"),
    ("/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations", "MutatingWebhookConfiguration"),
    ("/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies", "ValidatingAdmissionPolicy"),
    ("/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings", "ValidatingAdmissionPolicyBinding"),
    ("/api/v1/namespaces", "Namespace"),
    ("/api/v1/services", "Service"),
    ("/api/v1/endpoints", "Endpoints"),
    ("/apis/discovery.k8s.io/v1/endpointslices", "EndpointSlice"),
    ("/apis/apps/v1/deployments", "Deployment"),
    ("/apis/apps/v1/statefulsets", "StatefulSet"),
    ("/apis/apps/v1/daemonsets", "DaemonSet"),
    ("/api/v1/pods", "Pod"),
    ("/apis/policy/v1/poddisruptionbudgets", "PodDisruptionBudget"),
    ("/apis/autoscaling/v2/horizontalpodautoscalers", "HorizontalPodAutoscaler"),
    ("/api/v1/events", "Event"),
    ("/apis/kyverno.io/v1/clusterpolicies", "ClusterPolicy"),
    ("/apis/kyverno.io/v1/policies", "Policy"),
)
PAGE_SIZE = 500


def _note(message: str) -> None:
    print(f"migrator: live: {message}", file=sys.stderr)


def api_client(*, context: str | None = None, kubeconfig: str | None = None):
    """An ApiClient configured like kubectl: kubeconfig (+context) when given or present, else in-cluster."""
    from kubernetes import client, config
    from kubernetes.config.config_exception import ConfigException

    configuration = client.Configuration()
    try:
        config.load_kube_config(config_file=kubeconfig, context=context, client_configuration=configuration)
    except (ConfigException, FileNotFoundError, OSError) as kube_err:
        if kubeconfig or context:
            raise MigratorError(f"live: cannot load kubeconfig{' ' + kubeconfig if kubeconfig else ''}: {kube_err}") from None
        try:
            config.load_incluster_config(client_configuration=configuration)
        except ConfigException as in_err:
            raise MigratorError(f"live: no kubeconfig ({kube_err}) and not in a cluster ({in_err})") from None
    return client.ApiClient(configuration)


def _get(api: Any, path: str, query: list[tuple[str, Any]] | None = None) -> tuple[int, bytes]:
    """One authenticated GET through the client's own request path (auth, TLS, proxy as configured)."""
    from kubernetes.client.rest import ApiException

    try:
        method, url, headers, body, post = api.param_serialize(
            "GET",
            path,
            query_params=query or [],
            header_params={"Accept": "application/json, text/plain;q=0.9, */*;q=0.5"},
            auth_settings=["BearerToken"],
        )
        response = api.call_api(method, url, header_params=headers, body=body, post_params=post, _request_timeout=30)
        data = response.read()
    except ApiException as exc:
        raw = exc.body if isinstance(exc.body, bytes) else str(exc.body or "").encode()
        return int(exc.status or 0), raw
    except Exception as exc:  # urllib3 connection errors, timeouts
        raise MigratorError(f"live: cannot reach the API server at {api.configuration.host}: {exc}") from None
    return int(response.status), data or b""


def list_all(api: Any, path: str) -> dict | None:
    """Every item of one list endpoint, following `continue`; None when not served or not allowed."""
    items: list[Any] = []
    token = None
    first: dict | None = None
    while True:
        query: list[tuple[str, Any]] = [("limit", PAGE_SIZE)]
        if token:
            query.append(("continue", token))
        status, body = _get(api, path, query)
        if status == 404:
            return None
        if status in (401, 403):
            _note(f"not allowed to list {path} (HTTP {status}); skipped")
            return None
        if status >= 400:
            raise MigratorError(f"live: GET {path}: HTTP {status}: {body[:200].decode('utf-8', 'replace')}")
        try:
            page = json.loads(body)
        except ValueError:
            raise MigratorError(f"live: GET {path}: the answer is not JSON") from None
        if not isinstance(page, dict):
            raise MigratorError(f"live: GET {path}: the answer is not a list")
        first = first or page
        items.extend(page.get("items") or [])
        token = (page.get("metadata") or {}).get("continue")
        if not token:
            break
    assert first is not None
    return {"apiVersion": first.get("apiVersion", ""), "kind": first.get("kind", ""), "items": items}


def load_live(
    *, context: str | None = None, kubeconfig: str | None = None, client_factory: Callable[..., Any] | None = None
) -> Inventory:
    """Read the cluster into an Inventory."""
    api = (client_factory or api_client)(context=context, kubeconfig=kubeconfig)
    inventory = Inventory()
    where = f"live:{context or 'current-context'}"
    try:
        for path, kind in LIST_PATHS:
            listing = list_all(api, path)
            if listing is None:
                continue
            if not str(listing.get("kind", "")).endswith("List"):
                listing["kind"] = f"{kind}List"
            inventory.add_object(listing, f"{where}{path}")
        status, body = _get(api, "/metrics")
        if status == 200:
            inventory.scrapes.append(parse_prometheus_text(body.decode("utf-8", "replace"), f"{where}/metrics"))
        elif status in (401, 403, 404):
            _note(f"/metrics not readable (HTTP {status}); metric checks skipped")
    finally:
        close = getattr(api, "close", None)
        if callable(close):
            close()
    return inventory
