"""Audit events -> AdmissionReview samples, with the decision the cluster took when the event shows it.

Follows what the API server does with a request (k8s.io/apiserver):
- Only final events carry the outcome: stage ResponseComplete (or Panic). RequestReceived and ResponseStarted
  events of the same request are skipped and counted.
- Only Request and RequestResponse levels record `requestObject`; Metadata-level events have no object.
- Verbs map to admission operations as the REST handlers do: create -> CREATE, update and patch -> UPDATE,
  delete and deletecollection -> DELETE (one admission call per deleted item), and any verb on a connect
  subresource (pods/exec, pods/attach, pods/portforward, pods/proxy, services/proxy, nodes/proxy) -> CONNECT.
- The object admission saw: `requestObject` for create and update (what the client sent). A patch body is not
  the object, so a patch needs the `responseObject` (RequestResponse level). For CONNECT the object is the
  connect options (PodExecOptions, ...), which the API server builds from the query string: so do we.
  oldObject only when recoverable: the `responseObject` of a delete (the deleted object).
- The user admission saw is the impersonated user when there is one.
- The recorded decision (`response.allowed`): false when admission rejected the request: an error
  responseStatus whose message is a webhook's ("admission webhook "x" denied the request: ...", with the code
  the webhook chose), a
  ValidatingAdmissionPolicy's ("ValidatingAdmissionPolicy 'p' with binding 'b' denied request: ...") or
  PodSecurity's, or a `validation.policy.admission.k8s.io/validation_failure` annotation with a Deny action;
  true when the request succeeded (2xx); unknown (no `response`) otherwise: rejected before or after admission
  (authorization, schema validation, conflicts, quota...), a webhook that could not be called, a panic.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from fnmatch import fnmatchcase
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator
from urllib.parse import parse_qs, urlsplit

from migrator.errors import MigratorError
from migrator.sources.kinds import guess_kind, kind_for_resource, split_api_version
from migrator.samples.review import Sample, admission_review, default_options, gvk, gvr, label_for
from migrator.samples.selectors import ResourceSelector, parse_selectors
from migrator.sources.audit import AuditEvent, FileStats, find_audit_logs, read_audit_file

FINAL_STAGES = ("ResponseComplete", "Panic")
OBJECT_LEVELS = ("Request", "RequestResponse")

# Annotations the API server writes (k8s.io/apiserver admission plugins).
VAP_FAILURE_ANNOTATION = "validation.policy.admission.k8s.io/validation_failure"
WEBHOOK_ANNOTATION_PREFIXES = (
    "mutation.webhook.admission.k8s.io/",
    "patch.webhook.admission.k8s.io/",
    "failed-open.mutation.webhook.admission.k8s.io/",
    "failed-open.validating.webhook.admission.k8s.io/",
)

# (group, resource) -> {subresource: options kind} for subresources served by a Connecter.
CONNECT_SUBRESOURCES: dict[tuple[str, str], dict[str, str]] = {
    ("", "pods"): {
        "exec": "PodExecOptions",
        "attach": "PodAttachOptions",
        "portforward": "PodPortForwardOptions",
        "proxy": "PodProxyOptions",
    },
    ("", "services"): {"proxy": "ServiceProxyOptions"},
    ("", "nodes"): {"proxy": "NodeProxyOptions"},
}

VERB_OPERATIONS = {
    "create": "CREATE",
    "update": "UPDATE",
    "patch": "UPDATE",
    "delete": "DELETE",
    "deletecollection": "DELETE",
}
READ_VERBS = ("get", "list", "watch")

_WEBHOOK_DENIED = re.compile(r'admission webhook "([^"]*)" denied the request')
_POLICY_DENIED = re.compile(r"(ValidatingAdmissionPolicy|MutatingAdmissionPolicy) '([^']*)'(?: with binding '[^']*')? denied request")
_POD_SECURITY = "violates PodSecurity"
_WEBHOOK_CALL_FAILED = re.compile(r'failed calling webhook "([^"]*)"')


class SkipReason:
    """Why an event became no sample (keys of the summary's `skipped` counts)."""

    STAGE = "not a final stage (RequestReceived/ResponseStarted)"
    METADATA_LEVEL = "Metadata level: no request object"
    NON_RESOURCE = "non-resource request"
    READ_VERB = "read-only verb (get/list/watch)"
    OTHER_VERB = "verb without admission"
    NO_REQUEST_OBJECT = "no request object"
    PATCH_WITHOUT_RESULT = "patch without the patched object (needs RequestResponse level)"
    DELETECOLLECTION_WITHOUT_ITEMS = "deletecollection without the deleted objects (needs RequestResponse level)"
    FILTERED = "filtered out (--since/--until/--resource/--user)"


# ---------------------------------------------------------------------------------------------- filtering


def parse_time(text: str, option: str) -> datetime:
    """RFC 3339 / ISO 8601 (`2024-05-01T10:00:00Z`, `2024-05-01`); no zone means UTC."""
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise MigratorError(f"{option} {text!r}: not a time; use RFC 3339, e.g. 2024-05-01T10:00:00Z") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value


@dataclass
class AuditFilter:
    since: datetime | None = None
    until: datetime | None = None
    resources: list[ResourceSelector] = field(default_factory=list)
    users: set[str] = field(default_factory=set)

    @classmethod
    def build(cls, since: str | None, until: str | None, resources: Iterable[str], users: Iterable[str]) -> "AuditFilter":
        selectors = parse_selectors(resources, "--resource")
        names = {u.strip() for spec in users for u in spec.split(",") if u.strip()}
        f = cls(
            parse_time(since, "--since") if since else None,
            parse_time(until, "--until") if until else None,
            selectors,
            names,
        )
        if f.since and f.until and f.since > f.until:
            raise MigratorError("--since is later than --until: nothing could match")
        return f

    def accepts(self, event: dict[str, Any]) -> bool:
        if self.since or self.until:
            stamp = event.get("requestReceivedTimestamp") or event.get("stageTimestamp") or event.get("timestamp")
            when = _event_time(stamp)
            if when is None:
                return False
            if self.since and when < self.since:
                return False
            if self.until and when > self.until:
                return False
        if self.resources:
            ref = event.get("objectRef") or {}
            group, resource, sub = ref.get("apiGroup") or "", ref.get("resource") or "", ref.get("subresource") or ""
            if not any(s.matches(group, resource, sub) for s in self.resources):
                return False
        if self.users:
            names = {(event.get("user") or {}).get("username"), (event.get("impersonatedUser") or {}).get("username")}
            names.discard(None)
            if not any(fnmatchcase(n, pattern) for n in names for pattern in self.users):
                return False
        return True


def _event_time(stamp: Any) -> datetime | None:
    if not isinstance(stamp, str):
        return None
    try:
        value = datetime.fromisoformat(stamp)
    except ValueError:
        # More than 6 fractional digits (nanoseconds) from other writers: keep microseconds.
        m = re.match(r"^(.*T\d\d:\d\d:\d\d)(\.\d+)?(Z|[+-]\d\d:?\d\d)?$", stamp)
        if not m:
            return None
        try:
            value = datetime.fromisoformat(m.group(1) + (m.group(2) or "")[:7] + (m.group(3) or "Z"))
        except ValueError:
            return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


# ---------------------------------------------------------------------------------------------- decision


@dataclass(frozen=True)
class Decision:
    """What the event says admission decided: allowed True/False, or None when it cannot tell."""

    allowed: bool | None
    by: str  # "success", "webhook <name>", "ValidatingAdmissionPolicy <name>", "PodSecurity", or why unknown
    status: dict[str, Any] | None = None


def recorded_decision(event: dict[str, Any]) -> Decision:
    status = event.get("responseStatus") or {}
    code = status.get("code")
    message = str(status.get("message") or "")
    if isinstance(code, int) and (200 <= code < 300 or code == 101):
        # 101 Switching Protocols: a connect request (exec, attach, port-forward) that admission let through.
        return Decision(True, "success")
    annotations = event.get("annotations") or {}
    if isinstance(code, int) and code >= 400:
        # A webhook's denial keeps the code the webhook chose (at least 400, possibly 5xx): match the message.
        result = {k: status[k] for k in ("code", "reason", "message") if status.get(k) not in (None, "")}
        m = _WEBHOOK_DENIED.search(message)
        if m:
            return Decision(False, f"webhook {m.group(1)}", result)
        m = _POLICY_DENIED.search(message)
        if m:
            return Decision(False, f"{m.group(1)} {m.group(2)}", result)
        if _POD_SECURITY in message:
            return Decision(False, "PodSecurity", result)
        policy = _denying_policy(annotations.get(VAP_FAILURE_ANNOTATION))
        if policy is not None:
            return Decision(False, f"ValidatingAdmissionPolicy {policy}", result)
        if code < 500:
            return Decision(None, f"{code} {status.get('reason') or 'rejected'} not from admission")
        m = _WEBHOOK_CALL_FAILED.search(message)
        if m:
            return Decision(None, f"webhook {m.group(1)} could not be called")
        return Decision(None, f"server error {code}")
    return Decision(None, "no response status")


def _denying_policy(value: Any) -> str | None:
    """The policy named in a validation_failure annotation whose actions include Deny (Audit alone does not deny)."""
    if not isinstance(value, str):
        return None
    try:
        entries = json.loads(value)
    except ValueError:
        return None
    for entry in entries if isinstance(entries, list) else [entries]:
        if isinstance(entry, dict) and "Deny" in (entry.get("validationActions") or []):
            return str(entry.get("policy") or "")
    return None


# ---------------------------------------------------------------------------------------------- conversion


def _bool_param(values: list[str]) -> bool:
    # strconv.ParseBool, as the API server's query parameter conversion uses.
    return bool(values) and values[-1] in ("1", "t", "T", "TRUE", "true", "True")


def connect_options(kind: str, request_uri: str) -> dict[str, Any]:
    """The connect options object the API server decodes from the request's query string and path."""
    split = urlsplit(request_uri or "")
    query = parse_qs(split.query, keep_blank_values=True)
    opts: dict[str, Any] = {"kind": kind, "apiVersion": "v1"}
    if kind in ("PodExecOptions", "PodAttachOptions"):
        for key in ("stdin", "stdout", "stderr", "tty"):
            if key in query:
                opts[key] = _bool_param(query[key])
        if query.get("container"):
            opts["container"] = query["container"][-1]
        if kind == "PodExecOptions":
            opts["command"] = list(query.get("command", []))
    elif kind == "PodPortForwardOptions":
        ports = []
        for raw in query.get("ports", []):
            for part in raw.split(","):
                if part.strip().isdigit():
                    ports.append(int(part))
        if ports:
            opts["ports"] = ports
    else:  # *ProxyOptions: the path after .../proxy/
        _, sep, rest = split.path.partition("/proxy/")
        if sep:
            opts["path"] = "/" + rest
        elif query.get("path"):
            opts["path"] = query["path"][-1]
    return opts


def _query(event: dict[str, Any]) -> dict[str, list[str]]:
    return parse_qs(urlsplit(event.get("requestURI") or "").query, keep_blank_values=True)


def _is_object(value: Any) -> bool:
    return isinstance(value, dict) and bool(value)


def _kind_of(obj: Any, group: str, version: str, resource: str) -> dict[str, str]:
    """The kind admission saw: the object's own apiVersion/kind, else the built-in table, else a guess."""
    if isinstance(obj, dict) and obj.get("kind"):
        g, v = split_api_version(obj.get("apiVersion"))
        return gvk(g, v or version, obj["kind"])
    return gvk(group, version, kind_for_resource(resource, group) or guess_kind(resource))


def _user_info(event: dict[str, Any]) -> dict[str, Any]:
    user = event.get("impersonatedUser") or event.get("user") or {}
    out: dict[str, Any] = {}
    for key in ("username", "uid", "groups", "extra"):
        if user.get(key) not in (None, "", [], {}):
            out[key] = user[key]
    return out


def event_to_samples(event: dict[str, Any]) -> tuple[list[Sample], str | None]:
    """The samples one final-stage audit event stands for (one, or one per deleted item), or why none."""
    if event.get("stage") not in FINAL_STAGES:
        return [], SkipReason.STAGE
    if event.get("level") not in OBJECT_LEVELS:
        return [], SkipReason.METADATA_LEVEL
    ref = event.get("objectRef")
    if not isinstance(ref, dict) or not ref.get("resource"):
        return [], SkipReason.NON_RESOURCE
    verb = str(event.get("verb") or "")
    group = ref.get("apiGroup") or ""
    version = ref.get("apiVersion") or ""
    resource = ref["resource"]
    sub = ref.get("subresource") or ""
    namespace = ref.get("namespace") or ""
    connect_kind = CONNECT_SUBRESOURCES.get((group, resource), {}).get(sub)

    if connect_kind:
        operation = "CONNECT"
    elif verb in VERB_OPERATIONS:
        operation = VERB_OPERATIONS[verb]
    elif verb in READ_VERBS:
        return [], SkipReason.READ_VERB
    else:
        return [], SkipReason.OTHER_VERB

    request_obj = event.get("requestObject")
    response_obj = event.get("responseObject")
    query = _query(event)
    dry_run = "All" in query.get("dryRun", [])
    field_manager = (query.get("fieldManager") or [None])[-1]
    field_validation = (query.get("fieldValidation") or [None])[-1]
    decision = recorded_decision(event)
    user = _user_info(event)
    uid = str(event.get("auditID") or "")

    def build(obj: Any, old: Any, options: dict | None, name: str, kind_source: Any, index: int | None = None) -> Sample:
        kind = _kind_of(kind_source, group, version or "v1", resource)
        if connect_kind:
            kind = gvk("", "v1", connect_kind)
        review = admission_review(
            uid=uid if index is None else f"{uid}-{index}",
            kind=kind,
            resource=gvr(group, version or kind["version"], resource),
            sub_resource=sub,
            name=name,
            namespace=namespace,
            operation=operation,
            user_info=user,
            obj=obj,
            old_obj=old,
            dry_run=dry_run,
            options=options,
            allowed=decision.allowed,
            status=decision.status,
        )
        return Sample(review, label_for(operation, resource, sub, namespace, name), decision.by)

    name = ref.get("name") or ""
    if operation == "CONNECT":
        return [build(connect_options(connect_kind, event.get("requestURI") or ""), None, None, name, None)], None

    if operation == "CREATE" or (operation == "UPDATE" and verb == "update"):
        if not _is_object(request_obj):
            return [], SkipReason.NO_REQUEST_OBJECT
        if not name:
            name = (request_obj.get("metadata") or {}).get("name") or ""
        options = default_options(
            operation, dry_run=dry_run, field_manager=field_manager, field_validation=field_validation
        )
        return [build(request_obj, None, options, name, request_obj)], None

    if operation == "UPDATE":  # patch: the body is a patch, the object is the result
        if not _is_object(response_obj) or response_obj.get("kind") == "Status":
            return [], SkipReason.PATCH_WITHOUT_RESULT
        options = {"kind": "PatchOptions", "apiVersion": "meta.k8s.io/v1"}
        if dry_run:
            options["dryRun"] = ["All"]
        if field_manager:
            options["fieldManager"] = field_manager
        if field_validation:
            options["fieldValidation"] = field_validation
        return [build(response_obj, None, options, name, response_obj)], None

    # DELETE
    options = dict(request_obj) if _is_object(request_obj) and request_obj.get("kind") == "DeleteOptions" else None
    if options is None:
        options = default_options("DELETE", dry_run=dry_run)
    if verb == "deletecollection":
        items = response_obj.get("items") if isinstance(response_obj, dict) else None
        if not isinstance(items, list) or not items:
            return [], SkipReason.DELETECOLLECTION_WITHOUT_ITEMS
        item_kind = str(response_obj.get("kind") or "")
        samples = []
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            if not item.get("kind") and item_kind.endswith("List"):
                item = {"apiVersion": response_obj.get("apiVersion"), "kind": item_kind[:-4], **item}
            item_name = (item.get("metadata") or {}).get("name") or ""
            samples.append(build(None, item, options, item_name, item, i))
        return samples, None
    old = response_obj if _is_object(response_obj) and response_obj.get("kind") not in ("Status", None) else None
    return [build(None, old, options, name, old)], None


# ---------------------------------------------------------------------------------------------- the run


@dataclass
class AuditSummary:
    """Counts for the closing summary; constant size however long the log."""

    files: list[FileStats] = field(default_factory=list)
    events: int = 0
    samples: int = 0
    allowed: int = 0
    denied: int = 0
    unknown: int = 0
    skipped: Counter = field(default_factory=Counter)
    denied_by: Counter = field(default_factory=Counter)
    unknown_because: Counter = field(default_factory=Counter)

    @property
    def lines(self) -> int:
        return sum(f.lines for f in self.files)

    @property
    def problems(self) -> list[str]:
        return [p for f in self.files for p in f.problems]

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": len(self.files),
            "lines": self.lines,
            "events": self.events,
            "samples": self.samples,
            "allowed": self.allowed,
            "denied": self.denied,
            "unknown": self.unknown,
            "skipped": dict(self.skipped),
            "denied_by": dict(self.denied_by),
            "unknown_because": dict(self.unknown_because),
            "problems": self.problems,
        }


def iter_samples(
    paths: Iterable[str], audit_filter: AuditFilter | None = None, summary: AuditSummary | None = None
) -> Iterator[Sample]:
    """Stream samples out of audit logs (files or folders), updating `summary` as it goes."""
    summary = summary if summary is not None else AuditSummary()
    audit_filter = audit_filter or AuditFilter()
    for path in find_audit_logs(paths):
        stats = FileStats(path if path != "-" else "<stdin>")
        summary.files.append(stats)
        for item in read_audit_file(path, stats):
            yield from _samples_of(item, audit_filter, summary)


def _samples_of(item: AuditEvent, audit_filter: AuditFilter, summary: AuditSummary) -> Iterator[Sample]:
    summary.events += 1
    event = item.event
    if event.get("stage") not in FINAL_STAGES:
        summary.skipped[SkipReason.STAGE] += 1
        return
    if not audit_filter.accepts(event):
        summary.skipped[SkipReason.FILTERED] += 1
        return
    samples, reason = event_to_samples(event)
    if reason:
        summary.skipped[reason] += 1
        return
    for sample in samples:
        summary.samples += 1
        allowed = sample.allowed
        if allowed is True:
            summary.allowed += 1
        elif allowed is False:
            summary.denied += 1
            summary.denied_by[sample.decided_by] += 1
        else:
            summary.unknown += 1
            summary.unknown_because[sample.decided_by] += 1
        yield sample
