"""The rendered description, --dry-run, --template, and the Markdown filters."""

from __future__ import annotations

import json

from migrator.pr.description import cell, code, md


def _dry(ws, run_cli, *extra):
    return run_cli(ws.args("--verify", str(ws.verify), "--analyze", str(ws.analyze), "--dry-run", *extra))


def _description(out: str) -> str:
    return out.split("--- pull request description", 1)[1].split("\n", 2)[2]


def test_dry_run_prints_plan_and_description_and_changes_nothing(ws, run_cli):
    before, refs = ws.snapshot(), ws.refs()
    objects = ws.git("count-objects", "-v")
    result = _dry(ws, run_cli, "--push", "--github-repo", "acme/platform")
    assert result.code == 0, result.err
    assert ws.snapshot() == before and ws.refs() == refs
    assert ws.git("count-objects", "-v") == objects
    plan = result.out.split("--- pull request description")[0]
    assert "base:       main (refs/remotes/origin/HEAD" not in plan  # resolved through origin/HEAD to origin/main
    assert "refs/remotes/origin/main" in plan and "origin/HEAD" in plan
    assert "add       policies/vap/disallow-latest-tag.yaml" in plan
    assert "add       policies/vap/.migrator/conversion-report.json" in plan
    assert "kept      policies/other.yaml" not in plan  # outside DEST
    assert "push:       migrator/vap-" in plan
    assert "pull request: on acme/platform" in plan
    assert "GITHUB_TOKEN" in plan  # a real run would need it


def test_description_content(ws, run_cli, h):
    result = _dry(ws, run_cli)
    text = _description(result.out)
    # Summary and per-rule status with reasons.
    assert "policies: 1 converted, 1 partial, 1 unsupported" in text
    assert "**Rules:** 2 converted, 1 partial, 1 unsupported (of 4)" in text
    assert "| check-team-format | partial | wildcard \\`?\\` in pattern \\| approximated |" in text
    assert "### `verify-images` (ClusterPolicy): unsupported" in text
    assert "No manifest: nothing was generated for this policy" in text
    # Verification figures and each disagreement with the message users would see.
    assert "| 3 | 1 | 2 | 0 | 0 |" in text
    assert "`02-pod-latest.json` (uid `uid-2`): the webhook **allowed** it, the new policies **denied** it." in text
    assert "users would see `disallow-latest-tag: no latest tag`" in text
    assert "`03-pod-missing-label.json` (uid `uid-3`): the webhook **denied** it" in text
    # Findings addressed: the converted policy's own finding; Kyverno's fail-closed webhook is only reduced
    # because verify-images and require-team-label are not converted in full.
    assert "| info | migratable | `ClusterPolicy/disallow-latest-tag` |" in text
    reduced = text.split("Reduced, not removed:", 1)[1].split("## Rollout")[0]
    assert reduced.lstrip().startswith("- `" + h.KYVERNO_WEBHOOK + "` (failurePolicy Fail)")
    assert "  - **critical** fail-closed-unavailable: failurePolicy Fail and kyverno/kyverno-svc has no ready endpoint" in reduced
    assert "still needed by ClusterPolicy/require-team-label, ClusterPolicy/verify-images" in text
    assert "image-registry-guard" not in text  # not Kyverno's, not converted: not addressed
    # Rollout and rollback.
    assert "| info | migratable | `ClusterPolicy/disallow-latest-tag` | converts fully to ValidatingAdmissionPolicy | converted in full" in text
    assert "the bindings start at **audit** (`[Audit]`)" in text
    assert "--rollout warn" in text and "--rollout deny" in text
    assert "kubectl delete validatingadmissionpolicybinding disallow-latest-tag-binding require-team-label-binding" in text
    # What needs a human.
    needs = text.split("## Needs a human", 1)[1]
    assert "verify-images / check-signature: not converted (verifyImages rules)" in needs
    assert "require-team-label / check-team-format: converted in part" in needs
    assert "2 recorded requests decided differently" in needs
    assert text.startswith("<!-- migrator:pr inputs=")


def test_fail_closed_kyverno_webhook_is_addressed_when_everything_converts(ws, run_cli, h):
    report = json.loads(json.dumps(h.REPORT))
    report["policies"] = report["policies"][:1]
    ws.report.write_text(json.dumps(report))
    for extra in ws.vap.glob("require-team-label.yaml"):
        extra.unlink()
    text = _description(_dry(ws, run_cli).out)
    addressed = text.split("## Cluster findings this change addresses", 1)[1].split("## Rollout")[0]
    assert "| critical | fail-closed-unavailable | `" + h.KYVERNO_WEBHOOK + "` (failurePolicy Fail) |" in addressed
    assert "Reduced" not in addressed


def test_next_and_previous_stages(ws, run_cli):
    text = _description(_dry(ws, run_cli, "--rollout", "warn").out)
    assert "--rollout deny" in text and "--rollout audit" in text
    assert "step back one stage to **audit**" in text
    last = _description(_dry(ws, run_cli, "--rollout", "deny").out)
    assert "This is the last stage" in last and "step back one stage to **warn**" in last


def test_without_report_and_verify(ws, run_cli):
    result = run_cli(["pr", "--repo", str(ws.repo), "--input", str(ws.vap), "--dry-run"])
    assert result.code == 0, result.err
    text = _description(result.out)
    assert "no conversion report was given" in text
    assert "Not verified" in text
    assert "conversion-report.json" not in result.out


def test_custom_template(ws, run_cli, tmp_path):
    tpl = tmp_path / "mine.md.j2"
    tpl.write_text("{{ title }} | {{ rollout.stage }} | {{ conversion.rules.total }} | {{ code(branch) }}\n")
    result = _dry(ws, run_cli, "--template", str(tpl))
    assert result.code == 0, result.err
    assert _description(result.out).startswith("Move 2 policies to ValidatingAdmissionPolicy (audit stage) | audit | 4 | `migrator/vap-")


def test_broken_template_is_a_clear_error(ws, run_cli, tmp_path):
    tpl = tmp_path / "broken.md.j2"
    tpl.write_text("line one\n{% for x in %}\n")
    result = _dry(ws, run_cli, "--template", str(tpl))
    assert result.code == 2 and str(tpl) in result.err and "line 2" in result.err
    tpl.write_text("{{ no_such_key }}\n")
    result = _dry(ws, run_cli, "--template", str(tpl))
    assert result.code == 2 and "no_such_key" in result.err
    result = _dry(ws, run_cli, "--template", str(tmp_path / "missing.j2"))
    assert result.code == 2 and "no such template" in result.err


def test_markdown_filters():
    assert md("a|b *c* <d>\nnext") == "a\\|b \\*c\\* \\<d\\> next"
    assert cell("") == " "
    assert code("plain") == "`plain`"
    assert code("has `tick`") == "`` has `tick` ``"  # CommonMark strips one space on each side
    assert code("x``y") == "```x``y```"


def test_first_sentence_keeps_the_finding_and_drops_the_remedy():
    from migrator.pr.description import first_sentence

    assert first_sentence("timeoutSeconds is 10, above 5s: every request can stall. Set timeoutSeconds: 3.") == (
        "timeoutSeconds is 10, above 5s"
    )
    assert first_sentence("3 failed calls (timeout: 1, tls: 2). Fix it") == "3 failed calls (timeout: 1, tls: 2)"
    assert first_sentence("p99 is 8.44s over 830 calls") == "p99 is 8.44s over 830 calls"


def test_verify_result_message_is_shown_for_a_disagreement(ws, run_cli, h):
    import json as _json

    data = _json.loads(_json.dumps(h.VERIFY))
    data["results"][1]["violations"] = []
    data["results"][1]["message"] = 'pods "p" is forbidden: ValidatingAdmissionPolicy \'x\' denied request: no `latest`'
    ws.verify.write_text(_json.dumps(data))
    text = _description(_dry(ws, run_cli).out)
    assert "users would see `` pods \"p\" is forbidden: ValidatingAdmissionPolicy 'x' denied request: no `latest` ``" in text
