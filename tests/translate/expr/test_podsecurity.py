"""podSecurity -> CEL: the Pod Security Standards checks (pod-security-admission policy/check_*.go semantics)."""

from __future__ import annotations

import pytest

from exprcel import evaluate
from migrator.translate.kyverno.podsecurity import pod_security_checks
from migrator.translate.kyverno.scope import Unsupported

RESTRICTED_OK = {
    "spec": {
        "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
        "containers": [{"name": "app", "image": "nginx", "securityContext": {
            "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}}}],
        "volumes": [{"name": "data", "emptyDir": {}}],
    },
    "metadata": {"name": "p"},
}


def allowed(level: str, pod: dict, version: str = "latest", exclude=None) -> bool:
    checks = pod_security_checks(level, version, exclude or [], "object.spec", "object.metadata")
    return all(evaluate(expr, pod) for expr, _ in checks)


def with_spec(**changes) -> dict:
    import copy

    pod = copy.deepcopy(RESTRICTED_OK)
    pod["spec"].update(changes)
    return pod


def with_container_sc(**changes) -> dict:
    import copy

    pod = copy.deepcopy(RESTRICTED_OK)
    pod["spec"]["containers"][0]["securityContext"].update(changes)
    return pod


def test_compliant_pod_passes_both_levels():
    assert allowed("restricted", RESTRICTED_OK)
    assert allowed("baseline", RESTRICTED_OK)
    assert allowed("baseline", {"spec": {"containers": [{"name": "a", "image": "x"}]}, "metadata": {}})


@pytest.mark.parametrize("pod,baseline,restricted", [
    (with_spec(hostNetwork=True), False, False),
    (with_container_sc(privileged=True), False, False),
    (with_container_sc(capabilities={"add": ["NET_ADMIN"], "drop": ["ALL"]}), False, False),
    (with_container_sc(capabilities={"add": ["CHOWN"], "drop": ["ALL"]}), True, False),
    (with_container_sc(capabilities={"drop": ["NET_RAW"]}), True, False),
    (with_spec(volumes=[{"name": "h", "hostPath": {"path": "/"}}]), False, False),
    (with_spec(volumes=[{"name": "n", "nfs": {"server": "x", "path": "/"}}]), True, False),
    (with_container_sc(allowPrivilegeEscalation=True), True, False),
    (with_container_sc(runAsNonRoot=False), True, False),
    (with_container_sc(runAsUser=0), True, False),
    (with_container_sc(seccompProfile={"type": "Unconfined"}), False, False),
    (with_container_sc(procMount="Unmasked"), False, False),
    (with_container_sc(seLinuxOptions={"type": "spc_t"}), False, False),
    (with_spec(securityContext={"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"},
                                "sysctls": [{"name": "kernel.msgmax", "value": "1"}]}), False, False),
    (with_spec(securityContext={"runAsNonRoot": True}), True, False),  # no seccomp profile anywhere
])
def test_individual_controls(pod, baseline, restricted):
    assert allowed("baseline", pod) is baseline
    assert allowed("restricted", pod) is restricted


def test_ports_probes_and_apparmor():
    import copy

    pod = copy.deepcopy(RESTRICTED_OK)
    pod["spec"]["containers"][0]["ports"] = [{"containerPort": 80, "hostPort": 8080}]
    assert not allowed("baseline", pod)
    pod = copy.deepcopy(RESTRICTED_OK)
    pod["spec"]["containers"][0]["livenessProbe"] = {"httpGet": {"host": "10.0.0.1", "port": 80}}
    assert not allowed("baseline", pod)
    pod = copy.deepcopy(RESTRICTED_OK)
    pod["metadata"]["annotations"] = {"container.apparmor.security.beta.kubernetes.io/app": "unconfined"}
    assert not allowed("baseline", pod)
    pod["metadata"]["annotations"] = {"container.apparmor.security.beta.kubernetes.io/app": "runtime/default"}
    assert allowed("baseline", pod)


def test_windows_pods_are_exempt_from_linux_only_restricted_checks():
    pod = {"spec": {"os": {"name": "windows"}, "securityContext": {"runAsNonRoot": True},
                    "containers": [{"name": "w", "image": "x"}]}, "metadata": {}}
    assert allowed("restricted", pod)


def test_exclusions():
    pod = with_spec(hostNetwork=True)
    assert allowed("baseline", pod, exclude=[{"controlName": "Host Namespaces"}])
    with pytest.raises(Unsupported, match="field-level"):
        pod_security_checks("baseline", "latest", [{"controlName": "Capabilities", "images": ["nginx*"]}],
                            "object.spec", "object.metadata")
    with pytest.raises(Unsupported, match="version"):
        pod_security_checks("baseline", "v1.99", [], "object.spec", "object.metadata")
