#!/usr/bin/env python3
"""Benchmark `migrator verify`: 2,000 generated Pod AdmissionReviews x 10 pod-security style policies.

Prints samples/s, matched policy evaluations/s and CEL expression evaluations/s for --jobs 1 and --jobs N
(default: CPU count), plus the time to load and compile the policies. Deterministic input (seeded), nothing
is asserted: the figures go in reports.

    python3 bench/bench_verify.py [--samples 2000] [--jobs N] [--repeat 1]
    python3 bench/bench_verify.py --stream 200000 [--jobs 1]   # audit-log scale: samples/s and peak memory

--stream writes N reviews to a gzipped JSON Lines file (generated lazily) and runs verify on it with the JSON
output discarded, reporting samples/s and the peak resident memory of this process and of its workers: with
streaming, the peak should not grow with N.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import sys
import tempfile
import time

RULE = {"apiGroups": [""], "apiVersions": ["v1"], "operations": ["CREATE", "UPDATE"], "resources": ["pods"]}
ALL_CONTAINERS = "object.spec.containers + (has(object.spec.initContainers) ? object.spec.initContainers : [])"

POLICIES = [
    ("disallow-latest-tag", [], [
        {"expression": "object.spec.containers.all(c, !c.image.endsWith(':latest'))", "message": "An image tag is required and must not be latest."},
        {"expression": "object.spec.containers.all(c, c.image.contains(':'))", "message": "An image tag is required."},
    ]),
    ("require-limits", [], [
        {"expression": "object.spec.containers.all(c, has(c.resources) && has(c.resources.limits) && has(c.resources.limits.memory))",
         "messageExpression": "'memory limits are required in pod ' + object.metadata.name"},
    ]),
    ("disallow-privileged", [{"name": "all", "expression": ALL_CONTAINERS}], [
        {"expression": "variables.all.all(c, !has(c.securityContext) || !has(c.securityContext.privileged) || c.securityContext.privileged == false)",
         "message": "Privileged mode is disallowed."},
    ]),
    ("disallow-host-namespaces", [], [
        {"expression": "!has(object.spec.hostNetwork) || object.spec.hostNetwork == false", "message": "hostNetwork is disallowed"},
        {"expression": "!has(object.spec.hostPID) || object.spec.hostPID == false", "message": "hostPID is disallowed"},
        {"expression": "!has(object.spec.hostIPC) || object.spec.hostIPC == false", "message": "hostIPC is disallowed"},
    ]),
    ("disallow-host-ports", [], [
        {"expression": "object.spec.containers.all(c, !has(c.ports) || c.ports.all(p, !has(p.hostPort) || p.hostPort == 0))",
         "message": "Use of host ports is disallowed."},
    ]),
    ("require-run-as-non-root", [], [
        {"expression": "(has(object.spec.securityContext) && has(object.spec.securityContext.runAsNonRoot) && object.spec.securityContext.runAsNonRoot == true) || "
                       "object.spec.containers.all(c, has(c.securityContext) && has(c.securityContext.runAsNonRoot) && c.securityContext.runAsNonRoot == true)",
         "message": "Running as root is not allowed."},
    ]),
    ("require-team-label", [], [
        {"expression": "has(object.metadata.labels) && 'team' in object.metadata.labels && object.metadata.labels['team'] != ''",
         "messageExpression": "'pod ' + object.metadata.name + ' needs a team label'"},
    ]),
    ("restrict-registries", [{"name": "images", "expression": "object.spec.containers.map(c, c.image)"}], [
        {"expression": "variables.images.all(i, i.startsWith('registry.example.com/') || i.startsWith('ghcr.io/example/'))",
         "message": "Images must come from an approved registry."},
    ]),
    ("drop-all-capabilities", [], [
        {"expression": "object.spec.containers.all(c, has(c.securityContext) && has(c.securityContext.capabilities) && "
                       "has(c.securityContext.capabilities.drop) && c.securityContext.capabilities.drop.exists(d, d == 'ALL'))",
         "message": "Containers must drop ALL capabilities."},
    ]),
    ("readonly-root-fs", [], [
        {"expression": "object.spec.containers.all(c, has(c.securityContext) && has(c.securityContext.readOnlyRootFilesystem) && c.securityContext.readOnlyRootFilesystem)",
         "message": "Root filesystem must be read-only."},
    ]),
]


def policy_docs() -> list[dict]:
    docs = []
    for i, (name, variables, validations) in enumerate(POLICIES):
        spec: dict = {"failurePolicy": "Fail", "matchConstraints": {"resourceRules": [RULE]}, "validations": validations}
        if variables:
            spec["variables"] = variables
        if name == "require-team-label":
            spec["matchConditions"] = [{"name": "not-system", "expression": "!object.metadata.namespace.startsWith('kube-')"}]
        docs.append({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicy", "metadata": {"name": name}, "spec": spec})
        actions = ["Deny"] if i % 3 else ["Warn", "Audit"]
        docs.append({"apiVersion": "admissionregistration.k8s.io/v1", "kind": "ValidatingAdmissionPolicyBinding",
                     "metadata": {"name": f"{name}-binding"}, "spec": {"policyName": name, "validationActions": actions}})
    return docs


def container(rng: random.Random, i: int) -> dict:
    registry = rng.choice(["registry.example.com/", "ghcr.io/example/", "docker.io/library/", ""])
    tag = rng.choice([":1.25.3", ":latest", ":v2", "", "@sha256:" + "a" * 64])
    c: dict = {"name": f"c{i}", "image": f"{registry}app{rng.randint(1, 30)}{tag}",
               "ports": [{"containerPort": 8080 + i, **({"hostPort": 80} if rng.random() < 0.05 else {})}]}
    if rng.random() < 0.8:
        c["resources"] = {"requests": {"cpu": "100m", "memory": "64Mi"}, **({"limits": {"memory": "128Mi", "cpu": "1"}} if rng.random() < 0.8 else {})}
    if rng.random() < 0.85:
        c["securityContext"] = {
            "runAsNonRoot": rng.random() < 0.8,
            "readOnlyRootFilesystem": rng.random() < 0.7,
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"] if rng.random() < 0.8 else ["NET_RAW"]},
            **({"privileged": True} if rng.random() < 0.05 else {}),
        }
    return c


def pod(rng: random.Random, n: int) -> dict:
    ns = rng.choice(["default", "shop", "payments", "kube-system", "monitoring"])
    labels = {"app": f"app{n % 50}"}
    if rng.random() < 0.85:
        labels["team"] = rng.choice(["a", "b", "c"])
    spec: dict = {"containers": [container(rng, i) for i in range(rng.choice([1, 1, 2, 3]))]}
    if rng.random() < 0.3:
        spec["initContainers"] = [container(rng, 9)]
    if rng.random() < 0.03:
        spec["hostNetwork"] = True
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"pod-{n}", "namespace": ns, "labels": labels,
            "annotations": {"example.com/owner": "bench"}}, "spec": spec}


def reviews(count: int, seed: int = 7) -> list[dict]:
    return list(iter_reviews(count, seed))


def iter_reviews(count: int, seed: int = 7):
    rng = random.Random(seed)
    for n in range(count):
        obj = pod(rng, n)
        op = "UPDATE" if rng.random() < 0.2 else "CREATE"
        req = {
            "uid": f"uid-{n}", "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "name": obj["metadata"]["name"], "namespace": obj["metadata"]["namespace"], "operation": op,
            "userInfo": {"username": "system:serviceaccount:ci:deployer", "groups": ["system:serviceaccounts"]},
            "object": obj, "oldObject": obj if op == "UPDATE" else None, "dryRun": False,
        }
        yield {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": req,
               "response": {"uid": req["uid"], "allowed": rng.random() < 0.6}}


class _Discard(io.TextIOBase):
    def write(self, s: str) -> int:
        return len(s)


def stream_bench(count: int, jobs: int) -> None:
    """verify over `count` samples in one .jsonl.gz: samples/s and peak RSS (self and workers)."""
    import gzip
    import resource

    from migrator.verify import VerifyOptions, verify

    with tempfile.TemporaryDirectory() as tmp:
        pol = os.path.join(tmp, "policies.json")
        with open(pol, "w") as fh:
            json.dump({"apiVersion": "v1", "kind": "List", "items": policy_docs()}, fh)
        samples = os.path.join(tmp, "audit-day.jsonl.gz")
        t = time.perf_counter()
        with gzip.open(samples, "wt", compresslevel=1) as fh:
            for r in iter_reviews(count):
                fh.write(json.dumps(r) + "\n")
        print(f"generated {count} reviews ({os.path.getsize(samples) / 1e6:.1f} MB gzipped) in {time.perf_counter() - t:.1f} s")
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t = time.perf_counter()
        code = verify(VerifyOptions(samples=[samples], policies=[pol], format="json", jobs=jobs, progress=False), _Discard(), io.StringIO())
        elapsed = time.perf_counter() - t
        peak_self = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        peak_children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        print(
            f"jobs={jobs}: {count} samples in {elapsed:.1f} s = {count / elapsed:,.0f} samples/s (exit {code}); "
            f"peak RSS {peak_self:.0f} MiB (before verify {before / 1024:.0f} MiB), largest worker {peak_children:.0f} MiB"
        )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--samples", type=int, default=2000)
    ap.add_argument("--jobs", type=int, default=0, help="parallel run (default: CPU count)")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--stream", type=int, default=0, help="audit-log scale run over N streamed samples")
    args = ap.parse_args()
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    if args.stream:
        from migrator.verify.runner import default_jobs as _jobs

        stream_bench(args.stream, args.jobs or _jobs())
        return

    from migrator.verify import VerifyOptions, load_dispatcher, verify
    from migrator.verify.runner import default_jobs

    with tempfile.TemporaryDirectory() as tmp:
        pol = os.path.join(tmp, "policies.json")
        with open(pol, "w") as fh:
            json.dump({"apiVersion": "v1", "kind": "List", "items": policy_docs()}, fh)
        samples = os.path.join(tmp, "traffic.jsonl")
        with open(samples, "w") as fh:
            for r in reviews(args.samples):
                fh.write(json.dumps(r) + "\n")

        t = time.perf_counter()
        dispatcher = load_dispatcher(VerifyOptions(samples=[samples], policies=[pol]), io.StringIO())
        compile_s = time.perf_counter() - t
        expressions = sum(len(h.validator.validations) + len(h.validator.match_conditions) for h in dispatcher.hooks)
        print(f"policies: {len(dispatcher.hooks)} ({expressions} validation/match expressions), load+compile {compile_s * 1000:.0f} ms")

        jobs_n = args.jobs or default_jobs()
        for jobs in sorted({1, jobs_n}):
            for _ in range(args.repeat):
                out = io.StringIO()
                t = time.perf_counter()
                verify(VerifyOptions(samples=[samples], policies=[pol], format="json", jobs=jobs, progress=False), out, io.StringIO())
                elapsed = time.perf_counter() - t
                summary = json.loads(out.getvalue())["summary"]
                matched = sum(p["matched"] for p in summary["policies"])
                per_policy = {h.policy.name: len(h.validator.validations) for h in dispatcher.hooks}
                evaluations = sum(p["matched"] * per_policy[p["policy"]] for p in summary["policies"])
                print(
                    f"jobs={jobs}: {summary['samples']} samples in {elapsed:.2f} s = {summary['samples'] / elapsed:,.0f} samples/s; "
                    f"{matched} matched policy evaluations = {matched / elapsed:,.0f}/s; "
                    f"{evaluations} validation evaluations = {evaluations / elapsed:,.0f}/s "
                    f"(denied {summary['denied']}, disagree {summary['disagree']})"
                )


if __name__ == "__main__":
    main()
