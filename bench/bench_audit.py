#!/usr/bin/env python3
"""Audit-log scale: `migrator samples from-audit` and `migrator verify` on a synthetic day of audit log.

Generates a realistic audit.k8s.io/v1 log (default 200,000 events: RequestReceived and ResponseComplete stages,
Metadata-level reads, Request/RequestResponse writes, webhook and VAP denials, conflicts, exec, deletes), gzip'd
like a rotated log, plus 10 simple ValidatingAdmissionPolicies with bindings. Then runs, each in its own process:

  1. migrator samples from-audit LOG -o samples.jsonl     (samples/s, peak RSS)
  2. the same on a quarter of the log                      (peak RSS again: memory should not grow with the log)
  3. migrator verify --samples samples.jsonl --policies vaps.yaml --format json --jobs N   (samples/s, peak RSS)

Peak RSS is sampled from /proc every 20 ms over the whole process tree (verify's workers included) and also
reported as the largest single process (getrusage). Prints figures; asserts nothing.

    python3 bench/bench_audit.py [--events 200000] [--jobs 2] [--verify-limit N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time

NAMESPACES = ["shop", "payments", "search", "ci", "monitoring", "ingress", "data", "auth"]
IMAGES = ["nginx:1.27", "registry.example.com/api:2.4.1", "redis:7.2", "busybox:latest", "postgres:16",
          "ghcr.io/acme/worker:3.1.0", "quay.io/prometheus/node-exporter:v1.8.0"]
USERS = [
    {"username": "alice@example.com", "groups": ["dev-team", "system:authenticated"]},
    {"username": "system:serviceaccount:ci:deployer", "uid": "5b6f2c1e-1c7a-4a4e-9d0b-1f1f0e3b7a01",
     "groups": ["system:serviceaccounts", "system:serviceaccounts:ci", "system:authenticated"]},
    {"username": "system:serviceaccount:kube-system:replicaset-controller",
     "groups": ["system:serviceaccounts", "system:serviceaccounts:kube-system", "system:authenticated"]},
    {"username": "system:kube-scheduler", "groups": ["system:authenticated"]},
]


def _pod(rng: random.Random, name: str, ns: str) -> dict:
    containers = []
    for i in range(rng.choice([1, 1, 2, 3])):
        c = {"name": f"c{i}", "image": rng.choice(IMAGES), "ports": [{"containerPort": 8080 + i}],
             "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}
        if rng.random() < 0.6:
            c["resources"]["limits"] = {"cpu": "500m", "memory": "256Mi"}
        if rng.random() < 0.05:
            c["securityContext"] = {"privileged": True}
        elif rng.random() < 0.7:
            c["securityContext"] = {"runAsNonRoot": True, "allowPrivilegeEscalation": False}
        containers.append(c)
    labels = {"app": name.rsplit("-", 1)[0]}
    if rng.random() < 0.8:
        labels["team"] = rng.choice(["shop", "platform", "data"])
    spec = {"containers": containers, "serviceAccountName": "default"}
    if rng.random() < 0.03:
        spec["hostNetwork"] = True
    return {"kind": "Pod", "apiVersion": "v1", "metadata": {"name": name, "namespace": ns, "labels": labels}, "spec": spec}


def _deployment(rng: random.Random, name: str, ns: str) -> dict:
    pod = _pod(rng, name, ns)
    return {"kind": "Deployment", "apiVersion": "apps/v1",
            "metadata": {"name": name, "namespace": ns, "labels": pod["metadata"]["labels"],
                         "resourceVersion": str(rng.randint(1000, 900000))},
            "spec": {"replicas": rng.choice([1, 2, 3, 5]), "selector": {"matchLabels": {"app": pod["metadata"]["labels"]["app"]}},
                     "template": {"metadata": {"labels": pod["metadata"]["labels"]}, "spec": pod["spec"]}}}


def _stamp(t: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int((t % 1) * 1e6):06d}Z"


def generate_log(path: str, events: int, seed: int = 7) -> dict:
    """Write `events` audit events (gzip) and return counts by kind of request."""
    rng = random.Random(seed)
    t = 1714550400.0  # 2024-05-01T08:00:00Z
    n = 0
    counts: dict[str, int] = {}
    with gzip.open(path, "wt", encoding="utf-8", compresslevel=3) as fh:
        while n < events:
            t += rng.random() * 0.4
            rid = f"{rng.getrandbits(32):08x}-{rng.getrandbits(16):04x}-4{rng.getrandbits(12):03x}-8{rng.getrandbits(12):03x}-{rng.getrandbits(48):012x}"
            ns = rng.choice(NAMESPACES)
            user = rng.choice(USERS)
            roll = rng.random()
            base = {"kind": "Event", "apiVersion": "audit.k8s.io/v1", "auditID": rid, "user": user,
                    "sourceIPs": [f"10.0.{rng.randint(0, 9)}.{rng.randint(1, 250)}"],
                    "userAgent": "kubectl/v1.30.2 (linux/amd64) kubernetes/39683505",
                    "requestReceivedTimestamp": _stamp(t), "stageTimestamp": _stamp(t + 0.02),
                    "annotations": {"authorization.k8s.io/decision": "allow", "authorization.k8s.io/reason": "RBAC: allowed"}}
            if roll < 0.45:  # reads: Metadata level
                kind = "read"
                verb = rng.choice(["get", "list", "watch"])
                res = rng.choice(["pods", "configmaps", "secrets", "services", "endpoints"])
                ev = dict(base, level="Metadata", stage="ResponseComplete", verb=verb,
                          requestURI=f"/api/v1/namespaces/{ns}/{res}",
                          objectRef={"resource": res, "namespace": ns, "apiVersion": "v1"},
                          responseStatus={"metadata": {}, "code": 200})
                stages = [ev]
            elif roll < 0.75:  # pod creates, some denied
                name = f"web-{rng.getrandbits(24):06x}"
                pod = _pod(rng, name, ns)
                uri = f"/api/v1/namespaces/{ns}/pods?fieldManager=kubectl-client-side-apply"
                ref = {"resource": "pods", "namespace": ns, "name": name, "apiVersion": "v1"}
                status = {"metadata": {}, "code": 201}
                ann = dict(base["annotations"])
                r = rng.random()
                kind = "create pod"
                if r < 0.05:
                    kind = "create pod (webhook denied)"
                    status = {"metadata": {}, "status": "Failure", "reason": "Forbidden", "code": 403,
                              "message": f"admission webhook \"validate.kyverno.svc-fail\" denied the request: resource Pod/{ns}/{name} was blocked"}
                elif r < 0.08:
                    kind = "create pod (VAP denied)"
                    status = {"metadata": {}, "status": "Failure", "reason": "Forbidden", "code": 403,
                              "message": f"pods \"{name}\" is forbidden: ValidatingAdmissionPolicy 'no-privileged' with binding 'no-privileged' denied request: privileged containers are not allowed"}
                    ann["validation.policy.admission.k8s.io/validation_failure"] = json.dumps(
                        [{"message": "privileged containers are not allowed", "policy": "no-privileged",
                          "binding": "no-privileged", "expressionIndex": 0, "validationActions": ["Deny"]}])
                stages = [dict(base, level="Request", stage="RequestReceived", verb="create", requestURI=uri, objectRef=ref)]
                stages.append(dict(base, level="Request", stage="ResponseComplete", verb="create", requestURI=uri,
                                   objectRef=ref, responseStatus=status, requestObject=pod, annotations=ann))
            elif roll < 0.90:  # deployment updates and patches
                name = f"api-{rng.randint(0, 400)}"
                dep = _deployment(rng, name, ns)
                ref = {"resource": "deployments", "namespace": ns, "name": name, "apiGroup": "apps", "apiVersion": "v1"}
                uri = f"/apis/apps/v1/namespaces/{ns}/deployments/{name}"
                if rng.random() < 0.5:
                    kind = "update deployment"
                    code = 409 if rng.random() < 0.04 else 200
                    status = {"metadata": {}, "code": code}
                    if code == 409:
                        status.update(status="Failure", reason="Conflict", message="the object has been modified")
                    ev = dict(base, level="Request", stage="ResponseComplete", verb="update", requestURI=uri,
                              objectRef=ref, responseStatus=status, requestObject=dep)
                else:
                    kind = "patch deployment"
                    ev = dict(base, level="RequestResponse", stage="ResponseComplete", verb="patch", requestURI=uri,
                              objectRef=ref, responseStatus={"metadata": {}, "code": 200},
                              requestObject={"spec": {"replicas": dep["spec"]["replicas"]}}, responseObject=dep)
                stages = [dict(base, level="Request", stage="RequestReceived", verb=ev["verb"], requestURI=uri, objectRef=ref), ev]
            elif roll < 0.97:  # deletes
                kind = "delete pod"
                name = f"web-{rng.getrandbits(24):06x}"
                pod = _pod(rng, name, ns)
                ref = {"resource": "pods", "namespace": ns, "name": name, "apiVersion": "v1"}
                stages = [dict(base, level="RequestResponse", stage="ResponseComplete", verb="delete",
                               requestURI=f"/api/v1/namespaces/{ns}/pods/{name}", objectRef=ref,
                               responseStatus={"metadata": {}, "code": 200},
                               requestObject={"kind": "DeleteOptions", "apiVersion": "meta.k8s.io/v1"},
                               responseObject=pod)]
            else:  # exec
                kind = "exec"
                name = f"web-{rng.getrandbits(24):06x}"
                stages = [dict(base, level="Request", stage="ResponseComplete", verb="create",
                               requestURI=f"/api/v1/namespaces/{ns}/pods/{name}/exec?command=sh&container=c0&stdin=true&tty=true",
                               objectRef={"resource": "pods", "namespace": ns, "name": name, "apiVersion": "v1", "subresource": "exec"},
                               responseStatus={"metadata": {}, "code": 101})]
            for ev in stages[: events - n]:
                fh.write(json.dumps(ev, separators=(",", ":")))
                fh.write("\n")
                n += 1
            counts[kind] = counts.get(kind, 0) + 1
    return counts


POLICIES = [
    ("no-privileged", ["pods"], "object.spec.containers.all(c, !has(c.securityContext) || !has(c.securityContext.privileged) || c.securityContext.privileged == false)"),
    ("no-host-network", ["pods"], "!has(object.spec.hostNetwork) || object.spec.hostNetwork == false"),
    ("no-latest-tag", ["pods"], "object.spec.containers.all(c, !c.image.endsWith(':latest'))"),
    ("require-team-label", ["pods"], "has(object.metadata.labels) && 'team' in object.metadata.labels"),
    ("require-limits", ["pods"], "object.spec.containers.all(c, has(c.resources.limits) && 'memory' in c.resources.limits)"),
    ("run-as-non-root", ["pods"], "object.spec.containers.all(c, has(c.securityContext) && has(c.securityContext.runAsNonRoot) && c.securityContext.runAsNonRoot)"),
    ("max-containers", ["pods"], "size(object.spec.containers) <= 2"),
    ("min-replicas", ["deployments"], "object.spec.replicas >= 2"),
    ("trusted-registries", ["deployments"], "object.spec.template.spec.containers.all(c, c.image.startsWith('registry.example.com/') || c.image.startsWith('ghcr.io/acme/'))"),
    ("deployment-team-label", ["deployments"], "has(object.spec.template.metadata.labels) && 'team' in object.spec.template.metadata.labels"),
]


def write_policies(path: str) -> None:
    docs = []
    for name, resources, expr in POLICIES:
        group = "apps" if resources == ["deployments"] else ""
        docs.append({
            "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicy",
            "metadata": {"name": name},
            "spec": {"failurePolicy": "Fail",
                     "matchConstraints": {"resourceRules": [{"apiGroups": [group], "apiVersions": ["v1"],
                                                             "operations": ["CREATE", "UPDATE"], "resources": resources}]},
                     "validations": [{"expression": expr, "message": f"{name} failed"}]},
        })
        docs.append({
            "apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicyBinding",
            "metadata": {"name": name}, "spec": {"policyName": name, "validationActions": ["Deny"]},
        })
    with open(path, "w", encoding="utf-8") as fh:
        for d in docs:
            fh.write(json.dumps(d) + "\n")


def _tree_rss_kb(root: int) -> int:
    """Sum of VmRSS over `root` and its descendants."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status") as fh:
                ppid = 0
                kb = 0
                for line in fh:
                    if line.startswith("PPid:"):
                        ppid = int(line.split()[1])
                    elif line.startswith("VmRSS:"):
                        kb = int(line.split()[1])
            parents[int(entry)] = ppid
            rss[int(entry)] = kb
        except (OSError, ValueError):
            continue
    tree = {root}
    changed = True
    while changed:
        changed = False
        for pid, ppid in parents.items():
            if ppid in tree and pid not in tree:
                tree.add(pid)
                changed = True
    return sum(rss.get(p, 0) for p in tree)


def measure(argv: list[str]) -> dict:
    """Run `argv`; wall time, peak RSS of the process tree, largest single process (ru_maxrss)."""
    wrapper = (
        "import resource,subprocess,sys\n"
        "p=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.PIPE)\n"
        "sys.stderr.write(p.stderr.decode()[-2000:])\n"
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "sys.exit(p.returncode)\n"
    )
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-c", wrapper, *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0
    stop = threading.Event()

    def poll() -> None:
        nonlocal peak
        while not stop.is_set():
            peak = max(peak, _tree_rss_kb(proc.pid))
            stop.wait(0.02)

    th = threading.Thread(target=poll, daemon=True)
    th.start()
    out, err = proc.communicate()
    stop.set()
    th.join()
    wall = time.perf_counter() - start
    maxrss = int(out.strip().splitlines()[-1]) if out.strip() else 0
    return {"rc": proc.returncode, "seconds": wall, "tree_peak_mb": peak / 1024, "max_process_mb": maxrss / 1024, "stderr": err}


def count_lines(path: str) -> int:
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        return sum(1 for _ in fh)


def head_lines(src: str, dst: str, n: int) -> None:
    with gzip.open(src, "rt", encoding="utf-8") as fin, open(dst, "w", encoding="utf-8") as fout:
        for i, line in enumerate(fin):
            if i >= n:
                break
            fout.write(line)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--events", type=int, default=200_000)
    ap.add_argument("--jobs", type=int, default=2, help="verify --jobs")
    ap.add_argument("--verify-limit", type=int, default=0, help="verify only the first N samples (0: all)")
    ap.add_argument("--skip-verify", action="store_true")
    ap.add_argument("--keep", help="keep the generated files in this folder")
    args = ap.parse_args()

    work = args.keep or tempfile.mkdtemp(prefix="bench-audit-")
    os.makedirs(work, exist_ok=True)
    migrator = [sys.executable, "-m", "migrator"]
    try:
        log = os.path.join(work, "audit.log.gz")
        t0 = time.perf_counter()
        counts = generate_log(log, args.events)
        print(f"generated {args.events} audit events ({os.path.getsize(log) / 1e6:.1f} MB gzip) in "
              f"{time.perf_counter() - t0:.1f}s; requests: " + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))

        out = os.path.join(work, "samples.jsonl")
        r = measure([*migrator, "samples", "from-audit", log, "-o", out, "--force"])
        if r["rc"] != 0:
            print("from-audit failed:", r["stderr"])
            return 1
        n = count_lines(out)
        print(f"from-audit: {args.events} events -> {n} samples in {r['seconds']:.1f}s = {n / r['seconds']:,.0f} samples/s "
              f"({args.events / r['seconds']:,.0f} events/s); peak RSS {r['tree_peak_mb']:.0f} MB "
              f"(largest process {r['max_process_mb']:.0f} MB)")

        quarter = os.path.join(work, "audit-quarter.log")
        head_lines(log, quarter, args.events // 4)
        r4 = measure([*migrator, "samples", "from-audit", quarter, "-o", os.path.join(work, "q.jsonl"), "--force"])
        print(f"from-audit on a quarter of the log ({args.events // 4} events): peak RSS {r4['tree_peak_mb']:.0f} MB "
              f"(largest process {r4['max_process_mb']:.0f} MB) -- memory does not grow with the log")

        if args.skip_verify:
            return 0
        policies = os.path.join(work, "vaps.jsonl")
        write_policies(policies)
        verify_in = out
        if args.verify_limit:
            verify_in = os.path.join(work, f"samples-{args.verify_limit}.jsonl")
            with open(out, encoding="utf-8") as fin, open(verify_in, "w", encoding="utf-8") as fout:
                for i, line in enumerate(fin):
                    if i >= args.verify_limit:
                        break
                    fout.write(line)
        nv = count_lines(verify_in)
        rv = measure([*migrator, "verify", "--samples", verify_in, "--policies", policies, "--format", "json",
                      "--jobs", str(args.jobs)])
        if rv["rc"] not in (0, 1):
            print("verify failed:", rv["stderr"])
            return 1
        print(f"verify: {nv} samples x 10 policies (--jobs {args.jobs}) in {rv['seconds']:.1f}s = "
              f"{nv / rv['seconds']:,.0f} samples/s; peak RSS {rv['tree_peak_mb']:.0f} MB for all processes "
              f"(largest process {rv['max_process_mb']:.0f} MB)")
        return 0
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
