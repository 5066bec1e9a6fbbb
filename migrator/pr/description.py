"""The pull request description: a context built from the plan and the inputs, rendered by a jinja2 template.

The context is plain data (dicts, lists, strings, numbers) so a `--template` of the user's own can lay it out
differently; docs/pr.md lists its keys. Text that came from inputs (policy names, reasons, messages) passes
through the `md`, `cell` or `code` filters in the template so it cannot break the Markdown around it.
"""

from __future__ import annotations

import re
import shlex
from pathlib import Path
from typing import Any

import jinja2
import jinja2.sandbox

from migrator.errors import InputError
from migrator.pr.inputs import AnalyzeReport, Inputs, PolicyReport, VerifyReport
from migrator.pr.plan import REPORT_NAME, Options, Plan
from migrator.pr.rollout import next_stages, previous_stage

TEMPLATE_NAME = "pr_description.md.j2"
GITHUB_BODY_LIMIT = 65536  # characters GitHub accepts in a pull request body
DISAGREEMENT_LIMIT = 50
MARKER = "<!-- migrator:pr"

KYVERNO_POLICY_KINDS = ("ClusterPolicy", "Policy", "ValidatingPolicy", "NamespacedValidatingPolicy")
WEBHOOK_KINDS = ("ValidatingWebhookConfiguration", "MutatingWebhookConfiguration")


def default_template() -> Path:
    """templates/pr_description.md.j2 of the project (next to the migrator package)."""
    return Path(__file__).resolve().parents[2] / "templates" / TEMPLATE_NAME


# -- Markdown filters -----------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def md(value: Any) -> str:
    """Plain text inside Markdown: special characters escaped, kept on one line."""
    text = " ".join(str(value if value is not None else "").split())
    return _MD_SPECIAL.sub(r"\\\1", text)


def cell(value: Any) -> str:
    """A Markdown table cell: like `md`, and never empty."""
    return md(value) or " "


def code(value: Any) -> str:
    """Inline code span that survives backticks inside the text."""
    text = " ".join(str(value if value is not None else "").split())
    if not text:
        return "` `"
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def first_sentence(text: str, limit: int = 200) -> str:
    """The finding itself, without the remedy analyze appends: text up to the first `. ` or `: ` outside brackets."""
    text = " ".join(str(text).split())
    depth, cut = 0, len(text)
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth = max(0, depth - 1)
        elif ch in ".:" and depth == 0 and text[i + 1 : i + 2] == " ":
            cut = i
            break
    head = text[:cut].rstrip(".")
    return head if len(head) <= limit else head[: limit - 1].rstrip() + "…"


def plural(n: int, singular: str, many: str | None = None) -> str:
    return f"{n} {singular if n == 1 else (many or singular + 's')}"


# -- context --------------------------------------------------------------------------------------------------


def _object_names(plan: Plan, inputs: Inputs) -> dict[str, str]:
    """Object name -> committed manifest path, for matching report outputs to files."""
    names: dict[str, str] = {}
    for manifest in inputs.manifests:
        for doc in manifest.documents:
            names.setdefault(doc.name, f"{plan.dest}/{manifest.name}")
    return names


def _manifest_for(policy: PolicyReport, plan: Plan, inputs: Inputs, by_object: dict[str, str]) -> str | None:
    stems = {policy.name}
    if policy.namespace:
        stems |= {f"{policy.namespace}-{policy.name}", f"{policy.namespace}.{policy.name}"}
    for manifest in inputs.manifests:
        if manifest.name.rsplit(".", 1)[0] in stems:
            return f"{plan.dest}/{manifest.name}"
    for rule in policy.rules:
        for output in rule.outputs:
            path = by_object.get(output.rsplit("/", 1)[-1])
            if path:
                return path
    return None


def _conversion_context(plan: Plan, inputs: Inputs) -> dict[str, Any]:
    by_object = _object_names(plan, inputs)
    policies = []
    matched: set[str] = set()
    rule_counts = {"converted": 0, "partial": 0, "unsupported": 0}
    policy_counts = {"converted": 0, "partial": 0, "unsupported": 0}
    if inputs.report is not None:
        for policy in inputs.report.policies:
            path = _manifest_for(policy, plan, inputs, by_object)
            if path:
                matched.add(path)
            policy_counts[policy.status] += 1
            rules = []
            for rule in policy.rules:
                rule_counts[rule.status] += 1
                rules.append(
                    {"name": rule.name, "status": rule.status, "reason": rule.reason, "outputs": list(rule.outputs)}
                )
            policies.append(
                {
                    "name": policy.name,
                    "kind": policy.kind,
                    "namespace": policy.namespace,
                    "source": policy.source,
                    "status": policy.status,
                    "file": path,
                    "rules": rules,
                }
            )
    manifests = []
    for manifest in inputs.manifests:
        path = f"{plan.dest}/{manifest.name}"
        manifests.append(
            {
                "file": path,
                "policies": [d.name for d in manifest.policies],
                "bindings": [d.name for d in manifest.bindings],
                "param_kinds": [
                    f"{(d.obj['spec'].get('paramKind') or {}).get('kind', '?')} ({d.name})"
                    for d in manifest.policies
                    if isinstance(d.obj.get("spec"), dict) and d.obj["spec"].get("paramKind")
                ],
                "reported": path in matched,
            }
        )
    return {
        "report": inputs.report is not None,
        "policies": policies,
        "manifests": manifests,
        "rules": dict(rule_counts, total=sum(rule_counts.values())),
        "policies_by_status": dict(policy_counts, total=sum(policy_counts.values())),
    }


def _decision(allowed: Any) -> str:
    if allowed is True:
        return "allowed"
    if allowed is False:
        return "denied"
    return "unknown"


def _verification_context(verify: VerifyReport | None) -> dict[str, Any] | None:
    if verify is None:
        return None
    summary = verify.summary

    def count(key: str, fallback: int) -> int:
        value = summary.get(key)
        return value if isinstance(value, int) else fallback

    results = list(verify.results)
    disagreements, errored = [], []
    for result in results:
        sample = result.get("sample") or result.get("uid") or "?"
        errors = [str(e) for e in (result.get("errors") or [])]
        if errors:
            errored.append({"sample": sample, "uid": result.get("uid"), "errors": errors})
        if result.get("agree") is False:
            violations = []
            for v in result.get("violations") or []:
                if isinstance(v, dict):
                    violations.append(
                        {
                            "policy": v.get("policy"),
                            "binding": v.get("binding"),
                            "validation": v.get("validation"),
                            "actions": list(v.get("actions") or []),
                            "message": v.get("message") or "",
                            "reason": v.get("reason"),
                        }
                    )
            disagreements.append(
                {
                    "sample": sample,
                    "uid": result.get("uid"),
                    "message": result.get("message") or "",
                    "expected": _decision(result.get("expected_allowed")),
                    "actual": _decision(result.get("allowed")),
                    "violations": violations,
                    "warnings": [str(w) for w in (result.get("warnings") or [])],
                    "errors": errors,
                }
            )
    return {
        "samples": count("samples", len(results)),
        "agree": count("agree", sum(1 for r in results if r.get("agree") is True)),
        "disagree": count("disagree", sum(1 for r in results if r.get("agree") is False)),
        "no_expectation": count("no_expectation", sum(1 for r in results if r.get("expected_allowed") is None)),
        "errors": count("errors", len(errored)),
        "disagreements": disagreements[:DISAGREEMENT_LIMIT],
        "omitted": max(0, len(disagreements) - DISAGREEMENT_LIMIT),
        "errored": errored[:DISAGREEMENT_LIMIT],
    }


def _is_kyverno_resource_webhook(kind: str, configuration: str, webhook: str) -> bool:
    """Kyverno's resource validating webhooks (validate.kyverno.svc-fail/-ignore, fine-grained ones) carry every
    validate rule; its mutating and policy-validating webhooks are not replaced by a ValidatingAdmissionPolicy."""
    return kind == "ValidatingWebhookConfiguration" and webhook.startswith("validate.kyverno.svc")


def _policy_key(kind: Any, name: Any) -> tuple[str, str]:
    # Kind and name identify a Kyverno policy here: the convert report does not always carry the namespace.
    return (str(kind), str(name))


def _finding_policy_key(target: str) -> tuple[str, str] | None:
    parts = target.split("/")
    if parts[0] in KYVERNO_POLICY_KINDS and len(parts) >= 2:
        return _policy_key(parts[0], parts[-1])
    return None


def _analysis_context(analyze: AnalyzeReport | None, conversion: dict[str, Any]) -> dict[str, Any] | None:
    """Which analyze findings this change addresses: findings on the policies it converts, on webhook
    configurations it converts, and on Kyverno's resource validating webhook(s) those policies ran through."""
    if analyze is None:
        return None
    converted = {
        _policy_key(p["kind"], p["name"]): p for p in conversion["policies"] if p["file"] and p["status"] != "unsupported"
    }
    full = {k for k, p in converted.items() if p["status"] == "converted"}
    kyverno = {_policy_key(p.get("kind"), p.get("name")) for p in analyze.policies if p.get("kind") in KYVERNO_POLICY_KINDS}
    kyverno |= {_policy_key(p["kind"], p["name"]) for p in conversion["policies"] if p["kind"] in KYVERNO_POLICY_KINDS}
    blocking = sorted(f"{kind}/{name}" for kind, name in kyverno - full)
    webhooks = {
        f"{w.get('kind')}/{w.get('configuration')}/{w.get('webhook')}": w for w in analyze.webhooks if isinstance(w, dict)
    }
    addressed, reduced = [], []
    for finding in analyze.findings:
        target = finding["target"]
        entry: dict[str, Any] = {
            "id": finding["id"],
            "severity": finding.get("severity") or "info",
            "target": target,
            "message": finding.get("message") or "",
            "summary": first_sentence(finding.get("message") or ""),
            "failurePolicy": None,
        }
        key = _finding_policy_key(target)
        if key is not None:
            if key in converted:
                entry["how"] = (
                    "converted in full: the API server enforces it without a webhook call"
                    if converted[key]["status"] == "converted"
                    else "converted in part: the converted rules no longer need the webhook"
                )
                addressed.append(entry)
            continue
        parts = target.split("/")
        if len(parts) < 3 or parts[0] not in WEBHOOK_KINDS:
            continue
        kind, configuration, webhook = parts[0], parts[1], "/".join(parts[2:])
        entry["failurePolicy"] = webhooks.get(target, {}).get("failurePolicy")
        direct = [p for p in conversion["policies"] if p["kind"] == kind and p["name"] == configuration and p["file"]]
        if direct:
            entry["how"] = f"this change replaces the webhook's checks ({direct[0]['status']})"
            addressed.append(entry)
            continue
        if not _is_kyverno_resource_webhook(kind, configuration, webhook) or not converted:
            continue
        fine = re.search(r"-finegrained-(.+)$", webhook)
        if fine:
            name = fine.group(1)
            served = {k for k in kyverno | set(converted) if k[1] == name}
            still = sorted(f"{k[0]}/{k[1]}" for k in served - full)
            if served and not still:
                entry["how"] = f"Kyverno's fine-grained webhook for {name}, which is converted in full"
                addressed.append(entry)
            elif served:
                entry["how"] = f"Kyverno's webhook for {name}; it stays until that policy converts in full"
                entry["blocking"] = still
                reduced.append(entry)
            continue
        if not blocking:
            entry["how"] = (
                "Kyverno's resource validating webhook: every Kyverno policy it serves is converted in full, so it "
                "is no longer needed once the bindings deny and the Kyverno policies are removed"
            )
            addressed.append(entry)
        else:
            entry["how"] = "Kyverno's resource validating webhook: fewer policies depend on it, but it is still needed"
            entry["blocking"] = blocking
            reduced.append(entry)
    order = {"critical": 0, "high": 1, "medium": 2, "low": 3, "info": 4}
    sort_key = lambda f: (order.get(f["severity"], 5), f["target"], f["id"])  # noqa: E731
    grouped: dict[str, dict[str, Any]] = {}
    for f in sorted(reduced, key=sort_key):
        group = grouped.setdefault(
            f["target"],
            {"target": f["target"], "failurePolicy": f["failurePolicy"], "how": f["how"], "blocking": f.get("blocking", []), "findings": []},
        )
        group["findings"].append(f)
    return {
        "addressed": sorted(addressed, key=sort_key),
        "reduced": sorted(reduced, key=sort_key),
        "reduced_by_target": list(grouped.values()),
        "blocking": blocking,
    }


def _command(options: Options, rollout: str) -> str:
    """The `migrator pr` command line for another stage with the same inputs."""
    args = ["migrator", "pr", "--repo", options.repo, "--input", options.input_dir]
    for flag, value in (("--report", options.report), ("--verify", options.verify), ("--analyze", options.analyze)):
        if value:
            args += [flag, value]
    if options.dest != "policies/vap":
        args += ["--dest", options.dest]
    if options.base:
        args += ["--base", options.base]
    args += ["--rollout", rollout]
    if options.push:
        args += ["--push"] + (["--remote", options.remote] if options.remote != "origin" else [])
    if options.github_repo:
        args += ["--github-repo", options.github_repo]
    return " ".join(shlex.quote(a) for a in args)


def _needs_human(plan: Plan, inputs: Inputs, conversion: dict[str, Any], verification, analysis) -> list[str]:
    items: list[str] = []
    for policy in conversion["policies"]:
        for rule in policy["rules"]:
            if rule["status"] == "unsupported":
                items.append(
                    f"{policy['name']} / {rule['name']}: not converted ({rule['reason'] or 'no reason given'}); "
                    "Kyverno keeps enforcing it: rewrite it by hand or keep the Kyverno policy for it"
                )
            elif rule["status"] == "partial":
                items.append(
                    f"{policy['name']} / {rule['name']}: converted in part ({rule['reason'] or 'no reason given'}); "
                    "check the narrower check is acceptable or finish it by hand"
                )
    if not conversion["report"]:
        items.append("no conversion report (--report): the per-rule status is unknown; review every manifest")
    else:
        for m in conversion["manifests"]:
            if not m["reported"]:
                items.append(f"{m['file']} is not in the conversion report: review it by hand")
    for m in conversion["manifests"]:
        if not m["bindings"]:
            items.append(f"{m['file']} has no binding: its policies do nothing until bound")
        for param in m["param_kinds"]:
            items.append(
                f"{m['file']}: the policy reads parameters of kind {param}; the objects its bindings' paramRef "
                "selects must exist before the deny stage"
            )
    if verification is None:
        items.append("not verified against recorded requests (--verify): run `migrator verify` before moving past audit")
    else:
        if verification["disagree"]:
            items.append(
                f"{plural(verification['disagree'], 'recorded request')} decided differently than before "
                "(see Verification): fix the policy or accept the difference"
            )
        if verification["errors"]:
            items.append(f"{plural(verification['errors'], 'sample')} could not be evaluated (see Verification)")
        if verification["samples"] and verification["no_expectation"] == verification["samples"]:
            items.append("no sample carries the webhook's recorded decision: agreement is unknown")
        elif not verification["samples"]:
            items.append("verification ran on no samples")
    if analysis and analysis["reduced"] and analysis["blocking"]:
        names = ", ".join(analysis["blocking"][:10]) + (" ..." if len(analysis["blocking"]) > 10 else "")
        items.append(f"Kyverno's webhook stays in the request path until these convert in full: {names}")
    for path in plan.kept:
        items.append(f"{path} is under {plan.dest}/ but not produced by this conversion: keep or delete it")
    for name in inputs.skipped:
        items.append(f"{inputs.input_dir}/{name} holds no object and was not committed")
    return items


def _shell_lines(head: str, args: list[str]) -> str:
    """`head args...` on one line when short, else one argument per continued line."""
    if len(args) <= 3:
        return " ".join([head, *args])
    return head + " \\\n" + " \\\n".join(f"    {a}" for a in args)


def _rollback_command(bindings: list[str]) -> str | None:
    if not bindings:
        return None
    return _shell_lines("kubectl delete validatingadmissionpolicybinding", [shlex.quote(b) for b in bindings])


def _apply_command(plan: Plan) -> str:
    manifests = [f.path for f in plan.files if f.path.endswith((".yaml", ".yml"))]
    return _shell_lines("kubectl apply", [f"-f {shlex.quote(p)}" for p in manifests])


def build_context(plan: Plan, inputs: Inputs, options: Options) -> dict[str, Any]:
    conversion = _conversion_context(plan, inputs)
    verification = _verification_context(inputs.verify)
    analysis = _analysis_context(inputs.analyze, conversion)
    previous = previous_stage(plan.rollout.name)
    bindings = plan.bindings
    return {
        "marker": f"{MARKER} inputs={plan.short_hash} rollout={plan.rollout.name} -->",
        "title": plan.title,
        "branch": plan.branch,
        "base": plan.base.name,
        "dest": plan.dest,
        "inputs_hash": plan.short_hash,
        "report_file": f"{plan.dest}/{REPORT_NAME}" if inputs.report else None,
        "files": [{"path": f.path, "action": f.action} for f in plan.files],
        "kept": list(plan.kept),
        "rollout": {
            "stage": plan.rollout.name,
            "actions": list(plan.rollout.actions),
            "effect": plan.rollout.effect,
            "next": [
                {"stage": s.name, "actions": list(s.actions), "effect": s.effect, "command": _command(options, s.name)}
                for s in next_stages(plan.rollout.name)
            ],
            "previous": {"stage": previous.name, "actions": list(previous.actions), "command": _command(options, previous.name)}
            if previous
            else None,
        },
        "bindings": bindings,
        "policies_vap": sorted({d.name for m in inputs.manifests for d in m.policies}),
        "rollback_command": _rollback_command(bindings),
        "apply_command": _apply_command(plan),
        "conversion": conversion,
        "verification": verification,
        "analysis": analysis,
        "needs_human": _needs_human(plan, inputs, conversion, verification, analysis),
    }


# -- rendering ------------------------------------------------------------------------------------------------


def _environment(folder: Path) -> jinja2.Environment:
    env = jinja2.sandbox.SandboxedEnvironment(
        loader=jinja2.FileSystemLoader(str(folder)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update({"md": md, "cell": cell, "code": code})
    env.globals.update({"plural": plural, "code": code, "md": md, "cell": cell})
    return env


def render(context: dict[str, Any], template: str | None = None) -> str:
    """The description from `template` (a file path) or the project's default template."""
    path = Path(template) if template else default_template()
    if not path.is_file():
        if template:
            raise InputError(str(path), "no such template file")
        raise InputError(str(path), "the default template is missing; reinstall migrator or pass --template")
    env = _environment(path.parent)
    try:
        text = env.get_template(path.name).render(**context)
    except jinja2.TemplateSyntaxError as exc:
        raise InputError(str(path), f"template syntax error: {exc.message}", f"line {exc.lineno}") from None
    except jinja2.UndefinedError as exc:
        raise InputError(str(path), f"template error: {exc.message}") from None
    except jinja2.TemplateError as exc:
        raise InputError(str(path), f"template error: {exc}") from None
    except UnicodeDecodeError:
        raise InputError(str(path), "template is not UTF-8 text") from None
    text = re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"
    if len(text) > GITHUB_BODY_LIMIT:
        note = f"\n\n_(description cut at GitHub's limit; the full report is {context.get('report_file') or 'in the conversion report'})_\n"
        text = text[: GITHUB_BODY_LIMIT - len(note)] + note
    return text
