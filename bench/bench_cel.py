#!/usr/bin/env python3
"""CEL engine benchmark: prints figures, asserts nothing.

1. Single-expression latency (µs per evaluation) for cel-python's interpreted runner, cel-python's compiled
   (transpiled) runner, and migrator's engine (parse -> check -> closures, migrator/cel/interpreter.py).
2. Evaluations per second over a realistic pod-security expression set (Pod Security Standards style checks)
   on generated pods, each pod converted to CEL values once and every expression compiled once.
3. Compile time per expression.

    python3 bench/bench_cel.py [--pods 2000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import logging
import random
import sys
import time
from typing import Any, Callable

import celpy

from migrator.cel import Environment, EvaluationError, to_cel

logging.getLogger("celpy").setLevel(logging.CRITICAL)

POD_SECURITY = [
    "!has(object.spec.hostNetwork) || object.spec.hostNetwork == false",
    "!has(object.spec.hostPID) || object.spec.hostPID == false",
    "!has(object.spec.hostIPC) || object.spec.hostIPC == false",
    "object.spec.containers.all(c, !has(c.securityContext) || !has(c.securityContext.privileged) || "
    "c.securityContext.privileged == false)",
    "object.spec.containers.all(c, has(c.securityContext) && has(c.securityContext.runAsNonRoot) && "
    "c.securityContext.runAsNonRoot == true)",
    "object.spec.containers.all(c, has(c.resources) && has(c.resources.limits) && "
    "has(c.resources.limits.memory) && has(c.resources.limits.cpu))",
    "object.spec.containers.all(c, !c.image.endsWith(':latest') && c.image.contains(':'))",
    "!has(object.spec.volumes) || object.spec.volumes.all(v, !has(v.hostPath))",
    "object.spec.containers.all(c, !has(c.ports) || c.ports.all(p, !has(p.hostPort) || p.hostPort == 0))",
    "has(object.metadata.labels) && 'app' in object.metadata.labels && "
    "object.metadata.labels['app'].matches('^[a-z0-9-]+$')",
    "object.spec.containers.all(c, !has(c.securityContext) || !has(c.securityContext.capabilities) || "
    "!has(c.securityContext.capabilities.add) || c.securityContext.capabilities.add.all(cap, cap in "
    "['NET_BIND_SERVICE', 'CHOWN']))",
    "object.spec.containers.map(c, c.name).size() == object.spec.containers.size()",
]

LATENCY_EXPRESSIONS = {
    "arithmetic": "1 + 2 * 3 - 4 / 2 == 5",
    "field-select": "object.metadata.name == 'web-1' && object.metadata.namespace == 'default'",
    "has-chain": "has(object.spec.securityContext) && has(object.spec.securityContext.runAsNonRoot)",
    "all-containers": POD_SECURITY[3],
    "string-funcs": "object.spec.containers.all(c, !c.image.endsWith(':latest') && c.image.contains(':'))",
}


def make_pod(i: int, rng: random.Random) -> dict[str, Any]:
    containers = []
    for j in range(rng.randint(1, 4)):
        c: dict[str, Any] = {
            "name": f"c{j}",
            "image": rng.choice(["nginx:1.25", "busybox:latest", "registry.k8s.io/pause:3.9", "app"]),
        }
        if rng.random() < 0.7:
            c["securityContext"] = {"runAsNonRoot": rng.random() < 0.8, "privileged": rng.random() < 0.1}
            if rng.random() < 0.3:
                c["securityContext"]["capabilities"] = {"add": rng.sample(["NET_BIND_SERVICE", "CHOWN", "SYS_ADMIN"], 2)}
        if rng.random() < 0.6:
            c["resources"] = {"limits": {"cpu": "500m", "memory": "128Mi"}}
        if rng.random() < 0.5:
            c["ports"] = [{"containerPort": 80, **({"hostPort": 8080} if rng.random() < 0.1 else {})}]
        containers.append(c)
    spec: dict[str, Any] = {"containers": containers}
    if rng.random() < 0.1:
        spec["hostNetwork"] = True
    if rng.random() < 0.3:
        spec["volumes"] = [{"name": "v", **({"hostPath": {"path": "/"}} if rng.random() < 0.2 else {"emptyDir": {}})}]
    labels = {"app": rng.choice(["web", "api", "Bad_Name"])} if rng.random() < 0.9 else {}
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": f"web-{i}", "namespace": "default", "labels": labels}, "spec": spec}


def celpy_runner(expr: str, compiled: bool) -> Callable[[dict], Any]:
    celpy.celparser.CELParser.CEL_PARSER = None  # cel-python caches one Lark parser per process; reset per runner
    env = celpy.Environment(runner_class=celpy.CompiledRunner if compiled else celpy.InterpretedRunner)
    ast = env.compile(expr)
    prog = env.program(ast)
    return prog.evaluate


def ours(expr: str) -> Callable[[dict], Any]:
    return Environment({"object": "dyn"}).compile(expr).evaluate


def per_call_us(fn: Callable[[dict], Any], act: dict, repeat: int) -> float:
    n = 0
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        k = 0
        while True:
            try:
                fn(act)
            except Exception:
                pass
            k += 1
            if k >= 200 and time.perf_counter() - t0 > 0.2:
                break
        best = min(best, (time.perf_counter() - t0) / k)
        n += k
    return best * 1e6


def latency(repeat: int) -> None:
    pod = to_cel(make_pod(1, random.Random(1)))
    pod_celpy = celpy.json_to_cel(make_pod(1, random.Random(1)))
    print("== single-expression latency (µs per evaluation, best of %d)" % repeat)
    print(f"{'expression':16} {'celpy interpreted':>18} {'celpy compiled':>15} {'migrator':>10}")
    for name, expr in LATENCY_EXPRESSIONS.items():
        row = []
        for kind in ("interpreted", "compiled"):
            try:
                fn = celpy_runner(expr, kind == "compiled")
                row.append(f"{per_call_us(fn, {'object': pod_celpy}, repeat):.1f}")
            except Exception as exc:  # the transpiler fails on some expressions
                row.append(f"fail:{type(exc).__name__}")
        row.append(f"{per_call_us(ours(expr), {'object': pod}, repeat):.1f}")
        print(f"{name:16} {row[0]:>18} {row[1]:>15} {row[2]:>10}")


def throughput(pods: int) -> None:
    rng = random.Random(42)
    raw = [make_pod(i, rng) for i in range(pods)]
    t0 = time.perf_counter()
    samples = [to_cel(p) for p in raw]
    convert = time.perf_counter() - t0
    t0 = time.perf_counter()
    programs = [ours(e) for e in POD_SECURITY]
    compile_s = time.perf_counter() - t0
    evals = errors = denied = 0
    t0 = time.perf_counter()
    for obj in samples:
        act = {"object": obj}
        for prog in programs:
            evals += 1
            try:
                if not prog(act):
                    denied += 1
            except EvaluationError:
                errors += 1
    elapsed = time.perf_counter() - t0
    print(f"== pod-security set: {len(POD_SECURITY)} expressions x {pods} pods")
    print(f"migrator engine: {evals / elapsed:,.0f} evaluations/s ({elapsed * 1e6 / evals:.1f} µs each; "
          f"{denied} false, {errors} errors)")
    print(f"to_cel: {convert * 1e3 / pods:.3f} ms per pod; compile: {compile_s * 1e3 / len(POD_SECURITY):.2f} ms "
          "per expression")
    # cel-python interpreted runner on the same data, for comparison (subset for time)
    subset = raw[: max(1, pods // 10)]
    cp_samples = [celpy.json_to_cel(p) for p in subset]
    runners = [celpy_runner(e, False) for e in POD_SECURITY]
    n = 0
    t0 = time.perf_counter()
    for obj in cp_samples:
        for run in runners:
            n += 1
            try:
                run({"object": obj})
            except Exception:
                pass
    cp = time.perf_counter() - t0
    print(f"celpy interpreted (first {len(subset)} pods): {n / cp:,.0f} evaluations/s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pods", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"python {sys.version.split()[0]}, cel-python {getattr(celpy, '__version__', '0.5.0')}")
    latency(args.repeat)
    throughput(args.pods)


if __name__ == "__main__":
    main()
