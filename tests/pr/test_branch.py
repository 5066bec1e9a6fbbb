"""The branch `migrator pr` builds: content, staged bindings, the user's checkout untouched, idempotence, refusals."""

from __future__ import annotations

import json
import os

import yaml



def _branch(ws) -> str:
    branches = [b for b in ws.git("for-each-ref", "--format=%(refname:short)", "refs/heads/migrator/").splitlines() if b]
    assert len(branches) == 1, branches
    return branches[0]


def _dirty_user_state(ws) -> None:
    """A user in the middle of work: a staged change, an unstaged change and an untracked file."""
    (ws.repo / "README.md").write_text("platform repo\nstaged edit\n")
    ws.git("add", "README.md")
    (ws.repo / "README.md").write_text("platform repo\nstaged edit\nunstaged edit\n")
    (ws.repo / "notes.txt").write_text("untracked\n")


def test_branch_holds_manifests_and_report_with_audit_bindings(ws, run_cli, h):
    result = run_cli(ws.args())
    assert result.code == 0, result.err
    branch = _branch(ws)
    assert branch.startswith("migrator/vap-") and len(branch) == len("migrator/vap-") + 10
    files = ws.git("ls-tree", "-r", "--name-only", branch, "--", "policies/vap").splitlines()
    assert files == [
        "policies/vap/.migrator/conversion-report.json",
        "policies/vap/disallow-latest-tag.yaml",
        "policies/vap/require-team-label.yaml",
    ]
    assert json.loads(ws.git("show", f"{branch}:policies/vap/.migrator/conversion-report.json")) == h.REPORT
    text = ws.git("show", f"{branch}:policies/vap/disallow-latest-tag.yaml") + "\n"
    docs = list(yaml.safe_load_all(text))
    assert [d["kind"] for d in docs] == ["ValidatingAdmissionPolicy", "ValidatingAdmissionPolicyBinding"]
    assert docs[1]["spec"] == {"policyName": "disallow-latest-tag", "validationActions": ["Audit"]}
    # The policy document and the comments are kept byte for byte.
    original = (ws.vap / "disallow-latest-tag.yaml").read_text()
    assert text.split("---\n")[0] == original.split("---\n")[0]
    assert "# binding for disallow-latest-tag" in text
    # One commit on top of main, with the inputs trailer; main itself did not move.
    assert ws.git("rev-list", "--count", f"main..{branch}") == "1"
    message = ws.git("log", "-1", "--format=%B", branch)
    assert "Migrator-Inputs: " in message and "Migrator-Rollout: audit" in message
    assert ws.git("rev-parse", f"{branch}^") == ws.git("rev-parse", "main")
    # Files of the base stay.
    assert ws.git("show", f"{branch}:policies/other.yaml") == "kind: ConfigMap"
    assert ws.git("log", "-1", "--format=%an <%ae>", branch) == "Test Author <author@example.com>"


def test_rollout_stages_rewrite_bindings(ws, run_cli, h):
    for stage, actions in (("warn", ["Warn", "Audit"]), ("deny", ["Deny"])):
        result = run_cli(ws.args("--rollout", stage, "--branch", f"stage-{stage}"))
        assert result.code == 0, result.err
        text = ws.git("show", f"stage-{stage}:policies/vap/require-team-label.yaml")
        binding = list(yaml.safe_load_all(text))[1]
        assert binding["spec"]["validationActions"] == actions
        assert f"Migrator-Rollout: {stage}" in ws.git("log", "-1", "--format=%B", f"stage-{stage}")


def test_user_branch_index_and_worktree_are_byte_identical(ws, run_cli, h):
    ws.git("checkout", "-q", "-b", "feature")
    _dirty_user_state(ws)
    before, refs_before = ws.snapshot(), ws.refs()
    result = run_cli(ws.args("--push"))
    assert result.code == 0, result.err
    assert ws.snapshot() == before
    after = ws.refs()
    new = {k: v for k, v in after.items() if refs_before.get(k) != v}
    branch = _branch(ws)
    assert set(new) == {f"refs/heads/{branch}", f"refs/remotes/origin/{branch}"}
    # No worktree left behind, in git's list or on disk.
    assert ws.git("worktree", "list", "--porcelain").count("worktree ") == 1
    assert not (ws.repo / ".git" / "worktrees").exists() or not os.listdir(ws.repo / ".git" / "worktrees")
    # The remote got the same commit.
    assert h.git(ws.remote, "rev-parse", f"refs/heads/{branch}") == ws.git("rev-parse", branch)


def test_second_run_with_same_inputs_changes_nothing(ws, run_cli, h):
    assert run_cli(ws.args("--push")).code == 0
    branch = _branch(ws)
    head = ws.git("rev-parse", branch)
    second = run_cli(ws.args("--push"))
    assert second.code == 0, second.err
    assert "unchanged" in second.out
    assert ws.git("rev-parse", branch) == head
    assert _branch(ws) == branch
    assert h.git(ws.remote, "rev-parse", f"refs/heads/{branch}") == head


def test_changed_inputs_on_named_branch_add_a_commit(ws, run_cli, h):
    assert run_cli(ws.args("--branch", "policies/vap-migration")).code == 0
    first = ws.git("rev-parse", "policies/vap-migration")
    h.write_vap(ws.vap, names=("limit-replicas",))
    result = run_cli(ws.args("--branch", "policies/vap-migration"))
    assert result.code == 0, result.err
    assert ws.git("rev-parse", "policies/vap-migration^") == first
    assert "limit-replicas.yaml" in ws.git("ls-tree", "--name-only", "policies/vap-migration", "policies/vap/")
    assert ws.git("log", "-1", "--format=%s", "policies/vap-migration").startswith("Update: ")


def test_default_branch_name_follows_the_inputs(ws, run_cli, h):
    assert run_cli(ws.args()).code == 0
    first = _branch(ws)
    ws.git("branch", "-D", first)
    assert run_cli(ws.args("--rollout", "deny")).code == 0
    assert _branch(ws) != first


def test_branch_with_unrelated_commits_is_refused_unless_force(ws, run_cli, h):
    assert run_cli(ws.args("--branch", "vap")).code == 0
    # Someone else commits on the branch (in another clone of the same repository).
    other = ws.root / "other"
    h.git(ws.root, "clone", "-q", str(ws.repo), str(other))
    h.git(other, "checkout", "-q", "vap")
    (other / "hand.txt").write_text("hand edit\n")
    h.git(other, "add", "hand.txt")
    h.git(other, "commit", "-q", "-m", "hand edit")
    h.git(other, "push", "-q", str(ws.repo), "vap:vap")
    head = ws.git("rev-parse", "vap")
    before = ws.snapshot()

    refused = run_cli(ws.args("--branch", "vap", "--rollout", "warn"))
    assert refused.code == 2
    assert "vap" in refused.err and "--force" in refused.err and "hand edit" in refused.err
    assert refused.err.count("\n") == 1 and "Traceback" not in refused.err
    assert ws.git("rev-parse", "vap") == head
    assert ws.snapshot() == before

    forced = run_cli(ws.args("--branch", "vap", "--rollout", "warn", "--force"))
    assert forced.code == 0, forced.err
    assert ws.git("rev-parse", "vap^") == ws.git("rev-parse", "main")
    assert "hand.txt" not in ws.git("ls-tree", "--name-only", "vap")


def test_merge_of_base_into_branch_is_not_foreign(ws, run_cli, h):
    assert run_cli(ws.args("--branch", "vap")).code == 0
    # main moves on, and someone clicks "Update branch" (a merge of main into the branch).
    other = ws.root / "other"
    h.git(ws.root, "clone", "-q", str(ws.repo), str(other))
    (other / "later.txt").write_text("later\n")
    h.git(other, "add", "later.txt")
    h.git(other, "commit", "-q", "-m", "later on main")
    h.git(other, "checkout", "-q", "vap")
    h.git(other, "merge", "-q", "--no-edit", "main")
    h.git(other, "push", "-q", str(ws.repo), "main:trunk", "vap:vap")
    h.write_vap(ws.vap, names=("limit-replicas",))
    result = run_cli(ws.args("--branch", "vap", "--base", "trunk"))
    assert result.code == 0, result.err
    assert ws.git("rev-list", "--count", "trunk..vap") == "3"  # ours, the merge, ours again


def test_checked_out_branch_is_refused(ws, run_cli, h):
    assert run_cli(ws.args("--branch", "vap")).code == 0
    ws.git("checkout", "-q", "vap")
    (ws.repo / "wip.txt").write_text("wip\n")
    ws.git("add", "wip.txt")
    h.write_vap(ws.vap, names=("limit-replicas",))
    before = ws.snapshot()
    result = run_cli(ws.args("--branch", "vap"))
    assert result.code == 2
    assert "checked out" in result.err and "uncommitted changes" in result.err
    assert ws.snapshot() == before


def test_not_a_git_repository(ws, run_cli, tmp_path):
    plain = tmp_path / "plain"
    plain.mkdir()
    result = run_cli(["pr", "--repo", str(plain), "--input", str(ws.vap)])
    assert result.code == 2
    assert "not a git repository" in result.err and str(plain) in result.err


def test_failed_push_leaves_the_repository_as_it_was(ws, run_cli, h):
    before, refs = ws.snapshot(), ws.refs()
    result = run_cli(ws.args("--push", "--remote", "nowhere"))
    assert result.code == 2 and "nowhere" in result.err
    # A remote that rejects the push (its pre-receive hook says no).
    hook = ws.remote / "hooks" / "pre-receive"
    hook.write_text("#!/bin/sh\necho 'policy: pushes are closed' >&2\nexit 1\n")
    hook.chmod(0o755)
    result = run_cli(ws.args("--push"))
    assert result.code == 2
    assert "push to origin failed" in result.err
    assert ws.refs() == refs
    assert ws.snapshot() == before
    assert ws.git("worktree", "list", "--porcelain").count("worktree ") == 1


def test_base_resolution(ws, run_cli, h):
    # origin/HEAD names main; an explicit --base takes a branch that exists only locally.
    ws.git("branch", "release", "main")
    (ws.repo / "rel.txt").write_text("release\n")
    ws.git("checkout", "-q", "release")
    ws.git("add", "rel.txt")
    ws.git("commit", "-q", "-m", "release only")
    ws.git("checkout", "-q", "main")
    assert run_cli(ws.args("--base", "release", "--branch", "from-release")).code == 0
    assert ws.git("rev-parse", "from-release^") == ws.git("rev-parse", "release")
    # Without origin/HEAD, init.defaultBranch decides.
    ws.git("remote", "set-head", "origin", "-d")
    ws.git("config", "init.defaultBranch", "release")
    assert run_cli(ws.args("--branch", "from-default")).code == 0
    assert ws.git("rev-parse", "from-default^") == ws.git("rev-parse", "release")
    # Unknown base.
    bad = run_cli(ws.args("--base", "no-such-branch"))
    assert bad.code == 2 and "no-such-branch" in bad.err


def test_missing_identity_is_a_clear_error(ws, run_cli, monkeypatch):
    for key in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        monkeypatch.delenv(key)
    monkeypatch.setenv("EMAIL", "")
    monkeypatch.setenv("GIT_AUTHOR_NAME", "")
    refs = ws.refs()
    result = run_cli(ws.args())
    if result.code == 0:  # git guessed an identity from the host; nothing to check here
        return
    assert result.code == 2 and "identity" in result.err
    assert ws.refs() == refs


def test_local_hooks_do_not_run_for_the_generated_commit(ws, run_cli):
    hooks = ws.repo / ".git" / "hooks"
    marker = ws.root / "hook-ran"
    for name in ("pre-commit", "commit-msg", "post-checkout", "post-commit"):
        hook = hooks / name
        hook.write_text(f"#!/bin/sh\necho {name} >> '{marker}'\nexit 1\n")
        hook.chmod(0o755)
    before = ws.snapshot()
    result = run_cli(ws.args())
    assert result.code == 0, result.err
    assert not marker.exists()
    assert ws.snapshot() == before


def test_dest_ignored_by_gitignore_is_still_committed(ws, run_cli):
    (ws.repo / ".gitignore").write_text("policies/\n")
    ws.git("add", ".gitignore")
    ws.git("commit", "-q", "-m", "ignore policies")
    result = run_cli(ws.args("--base", "main", "--branch", "ignored"))
    assert result.code == 0, result.err
    assert "policies/vap/disallow-latest-tag.yaml" in ws.git("ls-tree", "-r", "--name-only", "ignored")


def test_files_already_under_dest_are_kept_and_listed(ws, run_cli):
    (ws.repo / "policies" / "vap").mkdir()
    (ws.repo / "policies" / "vap" / "legacy.yaml").write_text("# hand-written\n")
    (ws.repo / "policies" / "vap" / "disallow-latest-tag.yaml").write_text("# old version\n")
    ws.git("add", "policies")
    ws.git("commit", "-q", "-m", "legacy")
    ws.git("push", "-q", "origin", "main")  # --base main means origin/main when it exists
    result = run_cli(ws.args("--base", "main", "--dry-run"))
    assert "  update    policies/vap/disallow-latest-tag.yaml" in result.out
    assert "  kept      policies/vap/legacy.yaml" in result.out
    assert "policies/vap/legacy.yaml is under policies/vap/ but not produced by this conversion" in result.out
    assert run_cli(ws.args("--base", "main", "--branch", "k")).code == 0
    assert ws.git("show", "k:policies/vap/legacy.yaml") == "# hand-written"


def test_sha256_repository(tmp_path, run_cli, h):
    repo = tmp_path / "sha256"
    proc = __import__("subprocess").run(["git", "init", "-q", "--object-format=sha256", "-b", "main", str(repo)])
    if proc.returncode != 0:
        return  # this git cannot make SHA-256 repositories
    (repo / "a.txt").write_text("a\n")
    h.git(repo, "add", "a.txt")
    h.git(repo, "commit", "-q", "-m", "a")
    vap = tmp_path / "vap"
    h.write_vap(vap)
    args = ["pr", "--repo", str(repo), "--input", str(vap), "--branch", "v"]
    assert run_cli(args).code == 0
    head = h.git(repo, "rev-parse", "v")
    assert len(head) == 64
    again = run_cli(args + ["--dry-run"])
    assert "unchanged policies/vap/disallow-latest-tag.yaml" in again.out
    assert run_cli(args).code == 0 and h.git(repo, "rev-parse", "v") == head


def test_branch_only_on_the_remote_is_picked_up(ws, run_cli):
    assert run_cli(ws.args("--push", "--branch", "vap")).code == 0
    head = ws.git("rev-parse", "vap")
    ws.git("branch", "-D", "vap")
    result = run_cli(ws.args("--push", "--branch", "vap"))
    assert result.code == 0, result.err
    assert "created" in result.out and "no new commit" in result.out
    assert ws.git("rev-parse", "vap") == head


def test_diverged_local_and_remote_branch_is_refused_unless_force(ws, run_cli, h):
    assert run_cli(ws.args("--push", "--branch", "vap")).code == 0
    # Another machine builds on what we pushed: we are behind, not diverged; we follow its commit.
    other = ws.root / "other"
    h.git(ws.root, "clone", "-q", str(ws.remote), str(other))
    other_vap = ws.root / "other-vap"
    h.write_vap(other_vap, names=("limit-replicas",))
    assert run_cli(["pr", "--repo", str(other), "--input", str(other_vap), "--branch", "vap", "--push"]).code == 0
    ws.git("fetch", "-q", "origin")
    assert run_cli(ws.args("--push", "--branch", "vap", "--dry-run")).code == 0
    # Then someone rebuilds it from main and force-pushes: now the two have diverged.
    h.git(other, "checkout", "-q", "-B", "vap", "origin/main")
    (other / "x.txt").write_text("x\n")
    h.git(other, "add", "x.txt")
    h.git(other, "commit", "-q", "-m", "rebuilt\n\nMigrator-Inputs: " + "ab" * 32)
    h.git(other, "push", "-q", "--force", "origin", "vap")
    # Here, the inputs change too, and the remote-tracking branch is fetched.
    h.write_vap(ws.vap, names=("require-memory-limits",))
    ws.git("fetch", "-q", "origin")
    before = ws.refs()
    refused = run_cli(ws.args("--push", "--branch", "vap"))
    assert refused.code == 2 and "diverged" in refused.err
    assert ws.refs() == before
    forced = run_cli(ws.args("--push", "--branch", "vap", "--force"))
    assert forced.code == 0, forced.err
    assert h.git(ws.remote, "rev-parse", "vap") == ws.git("rev-parse", "vap")
    assert ws.git("rev-parse", "vap^") == ws.git("rev-parse", "main")
