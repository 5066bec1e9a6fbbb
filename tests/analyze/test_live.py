"""`analyze --live` against a loopback API server the test starts: the real kubernetes client code runs
(kubeconfig, context, bearer token, paged lists), the server only answers GETs."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pytest

from .conftest import NOW_TEXT

TOKEN = "test-token-123"
WEBHOOKS = {
    "apiVersion": "admissionregistration.k8s.io/v1",
    "kind": "ValidatingWebhookConfigurationList",
    "metadata": {"resourceVersion": "100"},
    "items": [
        {
            "metadata": {"name": "guard"},
            "webhooks": [
                {
                    "name": "guard.example.com",
                    "clientConfig": {"service": {"namespace": "guard", "name": "guard-svc"}},
                    "failurePolicy": "Fail",
                    "sideEffects": "None",
                    "timeoutSeconds": 3,
                    "rules": [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["pods"], "scope": "*"}],
                }
            ],
        }
    ],
}
SERVICES_PAGE_1 = {"apiVersion": "v1", "kind": "ServiceList", "metadata": {"continue": "page2"},
                   "items": [{"metadata": {"namespace": "guard", "name": "unrelated"}, "spec": {"selector": {"app": "x"}}}]}
SERVICES_PAGE_2 = {"apiVersion": "v1", "kind": "ServiceList", "metadata": {},
                   "items": [{"metadata": {"namespace": "guard", "name": "guard-svc"}, "spec": {"selector": {"app": "guard"}}}]}
DEPLOYMENTS = {"apiVersion": "apps/v1", "kind": "DeploymentList", "metadata": {}, "items": [
    {"metadata": {"namespace": "guard", "name": "guard"},
     "spec": {"replicas": 1, "template": {"metadata": {"labels": {"app": "guard"}}, "spec": {"containers": [
         {"name": "c", "resources": {"requests": {"cpu": "1", "memory": "1Gi"}}}]}}},
     "status": {"replicas": 1}}]}
METRICS = ('# TYPE apiserver_admission_webhook_fail_open_count counter\n'
           'apiserver_admission_webhook_fail_open_count{name="guard.example.com",type="validating"} 2\n')


class FakeAPIServer(BaseHTTPRequestHandler):
    requests: list[tuple[str, str, str]] = []

    def log_message(self, *args):  # keep test output quiet
        pass

    def _send(self, status, body, content_type="application/json"):
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802
        url = urlparse(self.path)
        query = parse_qs(url.query)
        FakeAPIServer.requests.append(("GET", url.path, self.headers.get("Authorization", "")))
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._send(401, {"kind": "Status", "code": 401})
        if url.path == "/apis/admissionregistration.k8s.io/v1/validatingwebhookconfigurations":
            return self._send(200, WEBHOOKS)
        if url.path == "/api/v1/services":
            return self._send(200, SERVICES_PAGE_2 if query.get("continue") == ["page2"] else SERVICES_PAGE_1)
        if url.path == "/apis/apps/v1/deployments":
            return self._send(200, DEPLOYMENTS)
        if url.path == "/api/v1/events":
            return self._send(403, {"kind": "Status", "code": 403, "reason": "Forbidden"})
        if url.path == "/metrics":
            return self._send(200, METRICS, "text/plain; version=0.0.4")
        if url.path.startswith("/apis/kyverno.io/"):
            return self._send(404, {"kind": "Status", "code": 404})
        kind = url.path.rstrip("/").rsplit("/", 1)[-1]
        return self._send(200, {"apiVersion": "v1", "kind": "List", "metadata": {}, "items": []} if kind else {})

    def do_POST(self):  # noqa: N802 - analyze must never write
        FakeAPIServer.requests.append(("POST", self.path, ""))
        self._send(405, {})

    do_PUT = do_PATCH = do_DELETE = do_POST


@pytest.fixture
def api_server():
    FakeAPIServer.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeAPIServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def kubeconfig(tmp_path, api_server):
    path = tmp_path / "kubeconfig"
    path.write_text(
        f"""apiVersion: v1
kind: Config
clusters:
- name: other
  cluster: {{server: "http://127.0.0.1:1"}}
- name: loopback
  cluster: {{server: "{api_server}"}}
users:
- name: tester
  user: {{token: {TOKEN}}}
contexts:
- name: wrong
  context: {{cluster: other, user: tester}}
- name: test
  context: {{cluster: loopback, user: tester}}
current-context: wrong
"""
    )
    return path


def test_live_reads_lists_pages_and_metrics(kubeconfig, run_cli):
    code, out, err = run_cli(
        "analyze", "--live", "--kubeconfig", str(kubeconfig), "--context", "test", "--now", NOW_TEXT, "--format", "json"
    )
    assert code == 1, err  # fail-closed without ready replicas: critical
    result = json.loads(out)
    target = "ValidatingWebhookConfiguration/guard/guard.example.com"
    found = {f["id"] for f in result["findings"] if f["target"] == target}
    # guard-svc only on page 2 of the Service list: no service-missing; replicas 1 and status without ready: down
    assert "service-missing" not in found
    assert {"fail-closed-unavailable", "single-replica", "no-pdb", "fail-open-events", "covers-kube-system"} <= found
    assert "events" in err and "403" in err  # the list it may not read is reported and skipped
    methods = {m for m, _, _ in FakeAPIServer.requests}
    assert methods == {"GET"}
    assert all(auth == f"Bearer {TOKEN}" for _, _, auth in FakeAPIServer.requests)


def test_live_unreachable_server_is_a_clear_error(kubeconfig, run_cli):
    code, out, err = run_cli("analyze", "--live", "--kubeconfig", str(kubeconfig), "--context", "wrong", "--format", "json")
    assert code == 2 and out == ""
    assert "cannot reach the API server" in err


def test_live_bad_kubeconfig(tmp_path, run_cli):
    missing = tmp_path / "none"
    code, _, err = run_cli("analyze", "--live", "--kubeconfig", str(missing), "--format", "json")
    assert code == 2 and "kubeconfig" in err


def test_live_without_kubeconfig_or_cluster_is_a_clear_error(tmp_path, monkeypatch, run_cli):
    from kubernetes.config import kube_config

    monkeypatch.setattr(kube_config, "KUBE_CONFIG_DEFAULT_LOCATION", str(tmp_path / "no-kubeconfig"))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    monkeypatch.delenv("KUBERNETES_SERVICE_HOST", raising=False)
    code, out, err = run_cli("analyze", "--live", "--format", "json")
    assert code == 2 and out == ""
    assert "no kubeconfig" in err and "not in a cluster" in err
