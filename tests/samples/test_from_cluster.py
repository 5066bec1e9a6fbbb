"""`migrator samples from-cluster`: kubectl dumps and a live (loopback, fake) API server -> CREATE samples."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from migrator.cli.app import main

DUMP = """\
apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata:
    name: web
    namespace: shop
    resourceVersion: "812"
    uid: 6b0d8c1e-0f1a-4c3e-9d2b-7a5e4f3c2b10
    managedFields: [{manager: kubectl-client-side-apply, operation: Update}]
  spec:
    containers: [{name: web, image: "nginx:1.27"}]
  status: {phase: Running, podIP: 10.244.1.7}
- apiVersion: apps/v1
  kind: Deployment
  metadata: {name: api, namespace: shop}
  spec:
    replicas: 2
    selector: {matchLabels: {app: api}}
    template:
      metadata: {labels: {app: api}}
      spec: {containers: [{name: api, image: "registry.example.com/api:2.4.1"}]}
---
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: certificates.cert-manager.io}
spec:
  group: cert-manager.io
  scope: Namespaced
  names: {kind: Certificate, plural: certificates, singular: certificate}
---
apiVersion: cert-manager.io/v1
kind: Certificate
metadata: {name: web-tls, namespace: shop}
spec: {secretName: web-tls, dnsNames: [shop.example.com]}
---
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {team: shop}}
"""


def run(capsys, *argv: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exc:
        main(list(argv))
    out, err = capsys.readouterr()
    return exc.value.code, out, err


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def test_dump_objects_become_create_requests(tmp_path, capsys):
    dump = tmp_path / "cluster.yaml"
    dump.write_text(DUMP)
    out = tmp_path / "s.jsonl"
    code, stdout, _ = run(capsys, "samples", "from-cluster", "--from", str(dump), "-o", str(out))
    assert code == 0, stdout
    reviews = {r["request"]["name"]: r for r in read_jsonl(out)}
    assert set(reviews) == {"web", "api", "certificates.cert-manager.io", "web-tls", "shop"}
    pod = reviews["web"]["request"]
    assert pod["operation"] == "CREATE" and pod["namespace"] == "shop"
    assert pod["resource"] == {"group": "", "version": "v1", "resource": "pods"}
    assert pod["oldObject"] is None and "response" not in reviews["web"]
    # server-kept fields are not part of a create
    assert "status" not in pod["object"]
    assert set(pod["object"]["metadata"]) == {"name", "namespace", "uid"}
    assert pod["object"]["spec"]["containers"][0]["image"] == "nginx:1.27"
    assert reviews["api"]["request"]["resource"] == {"group": "apps", "version": "v1", "resource": "deployments"}
    cert = reviews["web-tls"]["request"]
    assert cert["resource"] == {"group": "cert-manager.io", "version": "v1", "resource": "certificates"}
    ns = reviews["shop"]["request"]
    assert ns["namespace"] == "" and ns["resource"]["resource"] == "namespaces"  # cluster-scoped
    assert "wrote 5 CREATE sample(s)" in stdout


def test_resources_filter_and_user(tmp_path, capsys):
    dump = tmp_path / "cluster.yaml"
    dump.write_text(DUMP)
    out = tmp_path / "s.jsonl"
    code, stdout, _ = run(
        capsys, "samples", "from-cluster", "--from", str(dump), "-o", str(out),
        "--resources", "pods,deployments.apps", "--user", "system:admin", "--group", "system:masters",
    )
    assert code == 0
    reviews = read_jsonl(out)
    assert sorted(r["request"]["kind"]["kind"] for r in reviews) == ["Deployment", "Pod"]
    assert reviews[0]["request"]["userInfo"] == {"username": "system:admin", "groups": ["system:masters"]}
    assert "skipped 3: not selected by --resources" in stdout


def test_bad_inputs(tmp_path, capsys):
    code, _, err = run(capsys, "samples", "from-cluster", "-o", str(tmp_path / "o"))
    assert code == 2 and "--live" in err
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\nfoo: bar\n")
    code, _, err = run(capsys, "samples", "from-cluster", "--from", str(bad), "-o", str(tmp_path / "o"))
    assert code == 2 and "bad.yaml" in err and "document 2" in err
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


# ------------------------------------------------------------------------------------------ live, loopback


DISCOVERY = {
    "/api": {"kind": "APIVersions", "versions": ["v1"]},
    "/apis": {
        "kind": "APIGroupList",
        "groups": [
            {"name": "apps", "versions": [{"groupVersion": "apps/v1", "version": "v1"}],
             "preferredVersion": {"groupVersion": "apps/v1", "version": "v1"}},
        ],
    },
    "/api/v1": {
        "kind": "APIResourceList",
        "groupVersion": "v1",
        "resources": [
            {"name": "pods", "namespaced": True, "kind": "Pod", "verbs": ["create", "delete", "get", "list", "watch"]},
            {"name": "pods/exec", "namespaced": True, "kind": "PodExecOptions", "verbs": ["create", "get"]},
            {"name": "namespaces", "namespaced": False, "kind": "Namespace", "verbs": ["create", "get", "list"]},
            {"name": "componentstatuses", "namespaced": False, "kind": "ComponentStatus", "verbs": ["get", "list"]},
        ],
    },
    "/apis/apps/v1": {
        "kind": "APIResourceList",
        "groupVersion": "apps/v1",
        "resources": [{"name": "deployments", "namespaced": True, "kind": "Deployment", "verbs": ["create", "list"]}],
    },
}


def _pod(name: str) -> dict:
    return {"metadata": {"name": name, "namespace": "shop"}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}}


class FakeAPIServer(BaseHTTPRequestHandler):
    seen: list[tuple[str, str, str | None]] = []

    def log_message(self, *args):  # keep test output quiet
        pass

    def _send(self, code: int, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):  # noqa: N802
        url = urlsplit(self.path)
        q = parse_qs(url.query)
        FakeAPIServer.seen.append(("GET", url.path, self.headers.get("Authorization")))
        if url.path in DISCOVERY:
            return self._send(200, DISCOVERY[url.path])
        if url.path == "/api/v1/pods":  # two pages
            if q.get("continue") == ["page2"]:
                return self._send(200, {"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": [_pod("c")]})
            return self._send(200, {"kind": "PodList", "apiVersion": "v1", "metadata": {"continue": "page2"},
                                    "items": [_pod("a"), _pod("b")]})
        if url.path == "/api/v1/namespaces":
            return self._send(200, {"kind": "NamespaceList", "apiVersion": "v1", "metadata": {},
                                    "items": [{"metadata": {"name": "shop"}}]})
        if url.path == "/apis/apps/v1/deployments":
            return self._send(200, {"kind": "DeploymentList", "apiVersion": "apps/v1", "metadata": {},
                                    "items": [{"metadata": {"name": "api", "namespace": "shop"}, "spec": {"replicas": 1}}]})
        return self._send(404, {"kind": "Status", "code": 404})

    def _refuse(self):
        FakeAPIServer.seen.append((self.command, self.path, None))
        self._send(405, {"kind": "Status", "code": 405})

    do_POST = do_PUT = do_PATCH = do_DELETE = _refuse


@pytest.fixture
def fake_cluster(tmp_path):
    FakeAPIServer.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeAPIServer)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    kubeconfig = tmp_path / "kubeconfig"
    kubeconfig.write_text(
        f"""apiVersion: v1
kind: Config
clusters:
- name: fake
  cluster: {{server: "http://127.0.0.1:{server.server_address[1]}"}}
users:
- name: reader
  user: {{token: test-token}}
contexts:
- name: fake-ctx
  context: {{cluster: fake, user: reader}}
current-context: ""
"""
    )
    yield kubeconfig
    server.shutdown()
    server.server_close()


def test_live_lists_every_creatable_resource_read_only(fake_cluster, tmp_path, capsys):
    out = tmp_path / "live.jsonl"
    code, stdout, err = run(
        capsys, "samples", "from-cluster", "--live", "--kubeconfig", str(fake_cluster), "--context", "fake-ctx",
        "-o", str(out),
    )
    assert code == 0, err
    reviews = read_jsonl(out)
    names = sorted((r["request"]["kind"]["kind"], r["request"]["name"]) for r in reviews)
    assert names == [("Deployment", "api"), ("Namespace", "shop"), ("Pod", "a"), ("Pod", "b"), ("Pod", "c")]
    pod = next(r for r in reviews if r["request"]["name"] == "a")
    assert pod["request"]["object"]["kind"] == "Pod" and pod["request"]["object"]["apiVersion"] == "v1"
    assert pod["request"]["namespace"] == "shop"
    assert {m for m, _, _ in FakeAPIServer.seen} == {"GET"}
    assert all(auth == "Bearer test-token" for _, _, auth in FakeAPIServer.seen)
    assert not any("componentstatuses" in p or "exec" in p for _, p, _ in FakeAPIServer.seen)


def test_live_unknown_context_is_one_line(fake_cluster, tmp_path, capsys):
    code, _, err = run(
        capsys, "samples", "from-cluster", "--live", "--kubeconfig", str(fake_cluster), "--context", "nope",
        "-o", str(tmp_path / "o"),
    )
    assert code == 2 and "nope" in err and len(err.strip().splitlines()) == 1


def test_live_resource_that_cannot_be_listed_is_reported_and_skipped(fake_cluster, tmp_path, capsys, monkeypatch):
    deployments = DISCOVERY["/apis/apps/v1"]["resources"]
    monkeypatch.setitem(
        DISCOVERY, "/apis/apps/v1",
        {"kind": "APIResourceList", "resources": deployments + [
            {"name": "statefulsets", "namespaced": True, "kind": "StatefulSet", "verbs": ["create", "list"]}]},
    )
    out = tmp_path / "live.jsonl"
    code, stdout, err = run(
        capsys, "samples", "from-cluster", "--live", "--kubeconfig", str(fake_cluster), "--context", "fake-ctx",
        "-o", str(out),
    )
    assert code == 0, err
    assert len(read_jsonl(out)) == 5
    assert "statefulsets.apps: not listed" in stdout and "404" in stdout
