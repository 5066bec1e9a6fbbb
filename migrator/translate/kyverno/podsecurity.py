"""Kyverno `validate.podSecurity` -> the Pod Security Standards checks as CEL.

Kyverno evaluates the checks of k8s.io/pod-security-admission (pkg/pss/evaluate.go): every check of the level
(restricted includes baseline) runs, each in its newest version not newer than the requested one, or its first
version when all are newer (Kyverno never skips a check). The CEL below follows the PSA check functions
(policy/check_*.go) field by field for the versions up to 1.34, which is what `latest` means here.

Exclusions: Kyverno exempts individual field errors of a check (by control, image, restricted field and values).
Only whole pod-level controls excluded by name (no images, restrictedField or values) are translated exactly;
every other exclusion raises Unsupported.
"""

from __future__ import annotations

import re

from migrator.translate.cel_literal import literal
from migrator.translate.kyverno.scope import Unsupported

LATEST = (1, 34)

_CAPABILITIES_BASELINE = [
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD", "NET_BIND_SERVICE", "SETFCAP",
    "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
]
_SYSCTLS = [
    ((1, 0), ["kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies",
              "net.ipv4.ping_group_range", "net.ipv4.ip_unprivileged_port_start"]),
    ((1, 27), ["net.ipv4.ip_local_reserved_ports"]),
    ((1, 29), ["net.ipv4.tcp_keepalive_time", "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl",
               "net.ipv4.tcp_keepalive_probes"]),
    ((1, 32), ["net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem"]),
]
_ALLOWED_VOLUMES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim",
                    "projected", "secret"]

# Kyverno pkg/pss/utils/mapping.go: control name -> check IDs; pod-level controls can be excluded as a whole
_CONTROLS = {
    "Capabilities": ["capabilities_baseline", "capabilities_restricted"],
    "Seccomp": ["seccompProfile_baseline", "seccompProfile_restricted"],
    "Privileged Containers": ["privileged"],
    "Host Ports": ["hostPorts"],
    "/proc Mount Type": ["procMount"],
    "HostProcess": ["windowsHostProcess"],
    "SELinux": ["seLinuxOptions"],
    "Host Namespaces": ["hostNamespaces"],
    "HostPath Volumes": ["hostPathVolumes"],
    "Sysctls": ["sysctls"],
    "AppArmor": ["appArmorProfile"],
    "Privilege Escalation": ["allowPrivilegeEscalation"],
    "Running as Non-root": ["runAsNonRoot"],
    "Running as Non-root user": ["runAsUser"],
    "Volume Types": ["restrictedVolumes"],
}
_POD_LEVEL_CONTROLS = {"Host Namespaces", "HostPath Volumes", "Sysctls", "Volume Types"}


def _version(text: str) -> tuple[int, int]:
    if text in (None, "", "latest"):
        return LATEST
    m = re.match(r"^v?(\d+)\.(\d+)$", str(text))
    if not m:
        raise Unsupported(f"podSecurity version {text!r}")
    version = (int(m.group(1)), int(m.group(2)))
    if version > LATEST:
        raise Unsupported(f"podSecurity version {text!r} is newer than the checks translated ({LATEST[0]}.{LATEST[1]})")
    return version


class _Pod:
    """CEL helpers over the pod spec / metadata expressions (untyped JSON: every access guarded)."""

    def __init__(self, spec: str, meta: str) -> None:
        self.spec = spec
        self.meta = meta

    @staticmethod
    def get(expr: str, *path: str) -> tuple[str, str]:
        """(guard, value): guard true when every step exists under maps."""
        guards = []
        cur = expr
        for key in path:
            guards.append(f"type({cur}) == map")
            guards.append(f"has({cur}.{key})")
            cur = f"{cur}.{key}"
        return " && ".join(guards), cur

    def is_(self, expr: str, path: tuple[str, ...], test) -> str:
        guard, value = self.get(expr, *path)
        return f"({guard} && ({test(value)}))"

    def pod_sc(self, *path: str, test) -> str:
        return self.is_(self.spec, ("securityContext",) + path, test)

    def containers(self) -> str:
        parts = []
        for kind in ("initContainers", "containers", "ephemeralContainers"):
            guard, value = self.get(self.spec, kind)
            parts.append(f"({guard} && type({value}) == list ? {value} : [])")
        return "(" + " + ".join(parts) + ")"

    def any_container(self, test) -> str:
        return f"{self.containers()}.exists(c, type(c) == map && {test('c')})"

    def c_sc(self, c: str, *path: str, test) -> str:
        return self.is_(c, ("securityContext",) + path, test)

    def windows(self) -> str:
        return self.is_(self.spec, ("os", "name"), lambda v: f'{v} == "windows"')


def _checks(pod: _Pod, version: tuple[int, int]) -> list[tuple[str, str, str]]:
    """[(check id, level, CEL bool that is true when the pod is allowed)]."""
    p = pod
    true = lambda v: f"{v} == true"  # noqa: E731
    checks: list[tuple[str, str, str]] = []

    def add(check_id: str, level: str, violation: str) -> None:
        checks.append((check_id, level, f"!({violation})"))

    # ---- baseline
    add("windowsHostProcess", "baseline", " || ".join([
        p.pod_sc("windowsOptions", "hostProcess", test=true),
        p.any_container(lambda c: p.c_sc(c, "windowsOptions", "hostProcess", test=true)),
    ]))
    add("hostNamespaces", "baseline", " || ".join(
        p.is_(p.spec, (k,), true) for k in ("hostNetwork", "hostPID", "hostIPC")))
    add("privileged", "baseline", p.any_container(lambda c: p.c_sc(c, "privileged", test=true)))
    add("capabilities_baseline", "baseline", p.any_container(lambda c: p.c_sc(
        c, "capabilities", "add",
        test=lambda v: f"type({v}) == list && {v}.exists(x, !(x in {literal(_CAPABILITIES_BASELINE)}))")))
    add("hostPathVolumes", "baseline", p.is_(
        p.spec, ("volumes",),
        lambda v: f"type({v}) == list && {v}.exists(vol, type(vol) == map && has(vol.hostPath) && "
                  f"type(vol.hostPath) != null_type)"))
    add("hostPorts", "baseline", p.any_container(lambda c: p.is_(
        c, ("ports",),
        lambda v: f"type({v}) == list && {v}.exists(port, type(port) == map && has(port.hostPort) && "
                  f"port.hostPort != 0)")))
    allowed_apparmor = '["RuntimeDefault", "Localhost"]'
    add("appArmorProfile", "baseline", " || ".join([
        p.pod_sc("appArmorProfile", test=lambda v: f"type({v}) == map && !((has({v}.type) ? {v}.type : '') in "
                                                   f"{allowed_apparmor})"),
        p.any_container(lambda c: p.c_sc(
            c, "appArmorProfile",
            test=lambda v: f"type({v}) == map && !((has({v}.type) ? {v}.type : '') in {allowed_apparmor})")),
        p.is_(p.meta, ("annotations",), lambda v: (
            f"type({v}) == map && {v}.exists(k, k.startsWith('container.apparmor.security.beta.kubernetes.io/') && "
            f"!({v}[k] == '' || {v}[k] == 'runtime/default' || {v}[k].startsWith('localhost/')))")),
    ]))
    selinux_types = ["", "container_t", "container_init_t", "container_kvm_t"]
    if version >= (1, 31):
        selinux_types.append("container_engine_t")

    def bad_selinux(v: str) -> str:
        return (f"type({v}) == map && (!((has({v}.type) ? {v}.type : '') in {literal(selinux_types)}) || "
                f"(has({v}.user) && {v}.user != '') || (has({v}.role) && {v}.role != ''))")

    add("seLinuxOptions", "baseline", " || ".join([
        p.pod_sc("seLinuxOptions", test=bad_selinux),
        p.any_container(lambda c: p.c_sc(c, "seLinuxOptions", test=bad_selinux)),
    ]))
    add("procMount", "baseline", p.any_container(lambda c: p.c_sc(
        c, "procMount", test=lambda v: f"type({v}) != null_type && {v} != 'Default'")))
    unconfined = lambda v: f"type({v}) == map && has({v}.type) && {v}.type == 'Unconfined'"  # noqa: E731
    add("seccompProfile_baseline", "baseline", " || ".join([
        p.pod_sc("seccompProfile", test=unconfined),
        p.any_container(lambda c: p.c_sc(c, "seccompProfile", test=unconfined)),
    ]))
    sysctls = [name for since, names in _SYSCTLS if since <= version for name in names]
    add("sysctls", "baseline", p.pod_sc("sysctls", test=lambda v: (
        f"type({v}) == list && {v}.exists(s, !((type(s) == map && has(s.name) ? s.name : '') in "
        f"{literal(sysctls)}))")))

    def host_set(v: str) -> str:
        return " || ".join(
            f"(type({v}) == map && has({v}.{kind}) && type({v}.{kind}) == map && "
            f"has({v}.{kind}.host) && {v}.{kind}.host != '')" for kind in ("httpGet", "tcpSocket"))

    def bad_hosts(c: str) -> str:
        probes = [p.is_(c, (probe,), host_set) for probe in ("livenessProbe", "readinessProbe", "startupProbe")]
        hooks = [p.is_(c, ("lifecycle", hook), host_set) for hook in ("postStart", "preStop")]
        return "(" + " || ".join(probes + hooks) + ")"

    # only version: 1.34 (Kyverno applies a check's first version even to older requested versions)
    add("hostProbesAndHostLifecycle", "baseline", p.any_container(bad_hosts))

    # ---- restricted
    allowed_volume = " || ".join(f"(has(vol.{k}) && type(vol.{k}) != null_type)" for k in _ALLOWED_VOLUMES)
    add("restrictedVolumes", "restricted", p.is_(
        p.spec, ("volumes",),
        lambda v: f"type({v}) == list && {v}.exists(vol, !(type(vol) == map && ({allowed_volume})))"))
    windows_exempt = version >= (1, 25)
    ape = p.any_container(lambda c: f"!{p.c_sc(c, 'allowPrivilegeEscalation', test=lambda v: f'{v} == false')}")
    add("allowPrivilegeEscalation", "restricted", f"!{p.windows()} && {ape}" if windows_exempt else ape)
    pod_non_root = p.pod_sc("runAsNonRoot", test=true)
    pod_root = p.pod_sc("runAsNonRoot", test=lambda v: f"{v} == false")
    add("runAsNonRoot", "restricted", pod_root + " || " + p.any_container(lambda c: (
        f"({p.c_sc(c, 'runAsNonRoot', test=lambda v: f'type({v}) != null_type')} ? "
        f"{p.c_sc(c, 'runAsNonRoot', test=lambda v: f'{v} == false')} : !{pod_non_root})")))
    # runAsUser has a single version (1.23), which Kyverno also applies to older requested versions
    add("runAsUser", "restricted", " || ".join([
        p.pod_sc("runAsUser", test=lambda v: f"{v} == 0"),
        p.any_container(lambda c: p.c_sc(c, "runAsUser", test=lambda v: f"{v} == 0")),
    ]))
    valid_seccomp = lambda v: f"type({v}) == map && has({v}.type) && {v}.type in ['RuntimeDefault', 'Localhost']"  # noqa: E731
    pod_seccomp_set = p.pod_sc("seccompProfile", test=valid_seccomp)
    pod_seccomp_bad = p.pod_sc("seccompProfile", test=lambda v: f"type({v}) != null_type && !({valid_seccomp(v)})")
    container_seccomp = p.any_container(lambda c: (
        f"({p.c_sc(c, 'seccompProfile', test=lambda v: f'type({v}) != null_type')} ? "
        f"{p.c_sc(c, 'seccompProfile', test=lambda v: f'!({valid_seccomp(v)})')} : !{pod_seccomp_set})"))
    seccomp = f"({pod_seccomp_bad} || {container_seccomp})"
    add("seccompProfile_restricted", "restricted", f"!{p.windows()} && {seccomp}" if windows_exempt else seccomp)

    def caps_bad(c: str) -> str:
        drops_all = p.c_sc(c, "capabilities", "drop", test=lambda v: f"type({v}) == list && 'ALL' in {v}")
        adds_other = p.c_sc(c, "capabilities", "add",
                            test=lambda v: f"type({v}) == list && {v}.exists(x, x != 'NET_BIND_SERVICE')")
        return f"(!{drops_all} || {adds_other})"

    caps = p.any_container(caps_bad)
    add("capabilities_restricted", "restricted", f"!{p.windows()} && {caps}" if windows_exempt else caps)
    return checks


_MESSAGES = {
    "windowsHostProcess": "HostProcess containers are not allowed (Pod Security Standards, {level}).",
    "hostNamespaces": "Sharing the host namespaces is not allowed (Pod Security Standards, {level}).",
    "privileged": "Privileged containers are not allowed (Pod Security Standards, {level}).",
    "capabilities_baseline": "Adding capabilities beyond the default set is not allowed (Pod Security Standards, {level}).",
    "hostPathVolumes": "HostPath volumes are not allowed (Pod Security Standards, {level}).",
    "hostPorts": "Host ports are not allowed (Pod Security Standards, {level}).",
    "appArmorProfile": "AppArmor profiles other than RuntimeDefault or Localhost are not allowed (Pod Security Standards, {level}).",
    "seLinuxOptions": "Custom SELinux options are not allowed (Pod Security Standards, {level}).",
    "procMount": "Non-default /proc mount types are not allowed (Pod Security Standards, {level}).",
    "seccompProfile_baseline": "The Unconfined seccomp profile is not allowed (Pod Security Standards, {level}).",
    "sysctls": "Unsafe sysctls are not allowed (Pod Security Standards, {level}).",
    "hostProbesAndHostLifecycle": "Probes and lifecycle hooks must not set a host (Pod Security Standards, {level}).",
    "restrictedVolumes": "Only configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected and secret volumes are allowed (Pod Security Standards, {level}).",
    "allowPrivilegeEscalation": "Containers must set securityContext.allowPrivilegeEscalation=false (Pod Security Standards, {level}).",
    "runAsNonRoot": "Containers must set securityContext.runAsNonRoot=true (Pod Security Standards, {level}).",
    "runAsUser": "Containers must not set runAsUser=0 (Pod Security Standards, {level}).",
    "seccompProfile_restricted": "A RuntimeDefault or Localhost seccomp profile is required (Pod Security Standards, {level}).",
    "capabilities_restricted": "Containers must drop ALL capabilities and may add only NET_BIND_SERVICE (Pod Security Standards, {level}).",
}


def pod_security_checks(level: str, version: str, exclude: list, pod_spec: str, pod_meta: str) -> list[tuple[str, str]]:
    """[(CEL bool, message)]: each expression is true when the pod passes that Pod Security Standards check."""
    if level not in ("baseline", "restricted", "privileged"):
        raise Unsupported(f"podSecurity level {level!r}")
    if level == "privileged":
        return []
    v = _version(version)
    dropped: set[str] = set()
    for entry in exclude or []:
        if not isinstance(entry, dict):
            raise Unsupported("podSecurity exclude entry is not a mapping")
        name = entry.get("controlName")
        if entry.get("images") or entry.get("restrictedField") or entry.get("values"):
            raise Unsupported(f"podSecurity exclude of {name!r} by images/restrictedField/values (field-level exemptions)")
        if name not in _CONTROLS:
            raise Unsupported(f"podSecurity exclude of unknown control {name!r}")
        if name not in _POD_LEVEL_CONTROLS:
            raise Unsupported(f"podSecurity exclude of container-level control {name!r} without images")
        dropped.update(_CONTROLS[name])
    pod = _Pod(pod_spec, pod_meta)
    out = []
    for check_id, check_level, expr in _checks(pod, v):
        if level == "baseline" and check_level != "baseline":
            continue
        if check_id in dropped:
            continue
        out.append((expr, _MESSAGES[check_id].format(level=level)))
    return out
