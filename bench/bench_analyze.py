"""How long `analyze` takes on a large synthetic dump. Prints figures; asserts nothing.

    python3 bench/bench_analyze.py [--webhooks 300] [--services 3000] [--pods 10000] [--log-lines 200000]
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

import yaml


def build(root: Path, webhooks: int, services: int, pods: int, log_lines: int) -> None:
    rnd = random.Random(7)
    hooks = []
    for i in range(webhooks):
        hooks.append({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingWebhookConfiguration",
                      "metadata": {"name": f"cfg-{i}"},
                      "webhooks": [{"name": f"hook-{i}.example.com", "sideEffects": "None",
                                    "clientConfig": {"service": {"namespace": f"ns-{i % 50}", "name": f"svc-{i}"}},
                                    "rules": [{"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE"], "resources": ["pods"]}]}]})
    (root / "webhooks.yaml").write_text(yaml.safe_dump({"apiVersion": "v1", "kind": "List", "items": hooks}))
    objs = []
    for i in range(services):
        ns = f"ns-{i % 50}"
        objs.append({"apiVersion": "v1", "kind": "Service", "metadata": {"namespace": ns, "name": f"svc-{i}"}, "spec": {"selector": {"app": f"a{i}"}}})
        objs.append({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"namespace": ns, "name": f"d-{i}"},
                     "spec": {"replicas": rnd.choice([1, 2, 3]), "template": {"metadata": {"labels": {"app": f"a{i}"}},
                              "spec": {"containers": [{"name": "c", "resources": {}}]}}}, "status": {"readyReplicas": rnd.choice([0, 1, 2])}})
        objs.append({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                     "metadata": {"namespace": ns, "name": f"svc-{i}-abc", "labels": {"kubernetes.io/service-name": f"svc-{i}"}},
                     "endpoints": [{"addresses": ["10.0.0.1"], "conditions": {"ready": rnd.random() > 0.1}}]})
    for i in range(pods):
        objs.append({"apiVersion": "v1", "kind": "Pod", "metadata": {"namespace": f"ns-{i % 50}", "name": f"p-{i}", "labels": {"app": f"a{i % services}"}},
                     "spec": {"containers": [{"name": "c", "image": "x"}]}})
    (root / "objects.json").write_text(json.dumps({"apiVersion": "v1", "kind": "List", "items": objs}))
    with open(root / "kube-apiserver.log", "w") as fh:
        for i in range(log_lines):
            if i % 10 == 0:
                fh.write(f'E1124 10:{i % 60:02d}:00.000000 1 dispatcher.go:1] failed calling webhook "hook-{i % webhooks}.example.com": context deadline exceeded\n')
            else:
                fh.write(f"I1124 10:{i % 60:02d}:00.000000 1 httplog.go:1] GET /api/v1/pods 200\n")
    lines = []
    for i in range(webhooks):
        for le, c in (("0.1", 100), ("1", 150), ("+Inf", 160)):
            lines.append(f'apiserver_admission_webhook_admission_duration_seconds_bucket{{name="hook-{i}.example.com",type="validating",le="{le}"}} {c}')
        lines.append(f'apiserver_admission_webhook_rejection_count{{name="hook-{i}.example.com",type="validating",error_type="calling_webhook_error"}} {i % 3}')
    for n in range(3):
        (root / f"apiserver-{n}.prom").write_text("\n".join(lines) + "\n")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--webhooks", type=int, default=300)
    ap.add_argument("--services", type=int, default=3000)
    ap.add_argument("--pods", type=int, default=10000)
    ap.add_argument("--log-lines", type=int, default=200000)
    args = ap.parse_args()
    from migrator.analyze.analyzer import analyze
    from migrator.analyze.context import Options
    from migrator.sources.cluster import load_dump

    now = datetime(2026, 11, 24, 12, tzinfo=timezone.utc)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build(root, args.webhooks, args.services, args.pods, args.log_lines)
        size = sum(p.stat().st_size for p in root.iterdir()) / 1e6
        t0 = time.perf_counter()
        inventory = load_dump(root, now=now)
        t1 = time.perf_counter()
        result = analyze(inventory, Options(now=now))
        t2 = time.perf_counter()
    print(f"dump: {size:.1f} MB, {len(inventory.objects)} objects, {len(inventory.log_lines)} log lines, "
          f"{len(inventory.scrapes)} scrapes")
    print(f"load: {t1 - t0:.2f} s   analyze: {t2 - t1:.2f} s   findings: {len(result.findings)}")


if __name__ == "__main__":
    main()
