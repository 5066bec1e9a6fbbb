"""The branch plan: which base, which branch, which files change, and whether it is safe to touch the branch.

Everything here only reads the repository, so `--dry-run` shows exactly this and a real run executes it
(migrator.pr.publish). The default branch name is a hash of what would be committed (manifests after the rollout
rewrite, the report, their paths under DEST): the same inputs give the same branch, so a second run finds its own
branch and adds nothing. Commits migrator makes carry a `Migrator-Inputs:` trailer; any other commit on the branch
is someone else's work and the branch is left alone unless --force.
"""

from __future__ import annotations

import hashlib
import posixpath
import re
import textwrap
from dataclasses import dataclass, field

from migrator.errors import MigratorError
from migrator.pr.git import GitError, Repository
from migrator.pr.inputs import Inputs
from migrator.pr.rollout import Stage, apply_stage, stage

DEFAULT_DEST = "policies/vap"
# Kept in a hidden sub-folder so `kubectl apply -f DEST/` and directory-based GitOps syncs see only manifests.
REPORT_NAME = ".migrator/conversion-report.json"
BRANCH_PREFIX = "migrator/vap-"
TRAILER = "Migrator-Inputs"
_TRAILER_RE = re.compile(rf"^{TRAILER}: [0-9a-f]{{64}}\s*$", re.MULTILINE)
_GITHUB_REPO_RE = re.compile(r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$")


@dataclass(frozen=True)
class Options:
    """What the user asked for (the command line, minus how to render)."""

    repo: str = "."
    input_dir: str = ""
    report: str | None = None
    verify: str | None = None
    analyze: str | None = None
    branch: str | None = None
    base: str | None = None
    dest: str = DEFAULT_DEST
    rollout: str = "audit"
    push: bool = False
    remote: str = "origin"
    github_repo: str | None = None
    github_api: str = "https://api.github.com"
    template: str | None = None
    force: bool = False
    dry_run: bool = False


@dataclass(frozen=True)
class Base:
    name: str  # the branch name a pull request targets
    ref: str  # what was resolved (refs/remotes/origin/main, refs/heads/main, a revision)
    commit: str
    source: str  # how it was chosen, for the plan


@dataclass(frozen=True)
class PlannedFile:
    path: str  # repository-relative, posix
    content: bytes
    action: str  # add | update | unchanged
    source: str  # where the content comes from


@dataclass
class Plan:
    repo: Repository
    branch: str
    base: Base
    state: str  # new | existing | replace
    start: str  # the commit the new commit builds on
    local_tip: str | None
    remote_tip: str | None
    files: list[PlannedFile]
    kept: list[str]  # files already under DEST that this run does not produce (left as they are)
    rollout: Stage
    dest: str
    inputs_hash: str
    title: str
    commit_message: str
    remote: str
    push: bool
    github_repo: str | None
    bindings: list[str]
    notes: list[str] = field(default_factory=list)

    @property
    def short_hash(self) -> str:
        return self.inputs_hash[:10]

    @property
    def changes(self) -> bool:
        return any(f.action != "unchanged" for f in self.files)

    @property
    def branch_ref(self) -> str:
        return f"refs/heads/{self.branch}"

    def render(self) -> str:
        """The plan as a reviewer reads it in a terminal."""
        short = lambda sha: sha[:12] if sha else "-"  # noqa: E731
        state = {
            "new": f"new, from {self.base.name} at {short(self.base.commit)}",
            "existing": f"exists at {short(self.local_tip or self.remote_tip)}; migrator's own commits only",
            "replace": f"exists at {short(self.local_tip or self.remote_tip)} with other commits: REPLACED (--force), "
            f"rebuilt from {self.base.name}",
        }[self.state]
        lines = [
            f"repository: {self.repo.root}",
            f"base:       {self.base.name} ({self.base.ref} at {short(self.base.commit)}; {self.base.source})",
            f"branch:     {self.branch} ({state})",
        ]
        if self.changes:
            message = self.commit_message.rstrip("\n").splitlines()
            lines.append(f"commit:     {message[0]}")
            lines += [f"            {line}".rstrip() for line in message[1:]]
        else:
            lines.append("commit:     none: the branch already holds these files")
        lines.append(f"files under {self.dest}/:")
        for f in self.files:
            lines.append(f"  {f.action:<9} {f.path}")
        for path in self.kept:
            lines.append(f"  {'kept':<9} {path} (not produced by this conversion)")
        actions = ", ".join(self.rollout.actions)
        lines.append(f"rollout:    {self.rollout.name}: bindings get validationActions [{actions}]")
        if self.push:
            lines.append(f"push:       {self.branch} to {self.remote}")
        if self.github_repo:
            lines.append(
                f"pull request: on {self.github_repo}, {self.branch} -> {self.base.name}: "
                "update the open one for this branch, else open one"
            )
        for note in self.notes:
            lines.append(f"note:       {note}")
        return "\n".join(lines) + "\n"


# -- checks on options ----------------------------------------------------------------------------------------


def normalize_dest(dest: str) -> str:
    """DEST as a clean repository-relative folder, or an error."""
    raw = (dest or "").replace("\\", "/").strip()
    if not raw or raw.startswith("/") or re.match(r"^[A-Za-z]:", raw):
        raise MigratorError(f"--dest {dest!r}: give a folder relative to the repository root, e.g. {DEFAULT_DEST}")
    norm = posixpath.normpath(raw)
    parts = norm.split("/")
    if norm in (".", "") or ".." in parts or ".git" in parts:
        raise MigratorError(f"--dest {dest!r}: must be a folder inside the repository (no '..', not .git)")
    return norm


def check_github_repo(value: str) -> tuple[str, str]:
    if not _GITHUB_REPO_RE.match(value or ""):
        raise MigratorError(f"--github-repo {value!r}: expected OWNER/NAME, e.g. acme/platform-policies")
    owner, name = value.split("/")
    return owner, name


# -- base and branch ------------------------------------------------------------------------------------------


def resolve_base(repo: Repository, requested: str | None, remote: str) -> Base:
    """BASE as given, else the repository's default branch: <remote>/HEAD, else init.defaultBranch, main, master.

    A branch name resolves to the remote-tracking branch when there is one (the pull request targets the remote's
    branch), else to the local branch, else to any revision git understands.
    """
    remotes = repo.remotes()
    if requested:
        name = requested
        if remote in remotes and name.startswith(f"{remote}/") and repo.ref_exists(f"refs/remotes/{name}"):
            ref = f"refs/remotes/{name}"
            name = name[len(remote) + 1 :]
        elif remote in remotes and repo.ref_exists(f"refs/remotes/{remote}/{name}"):
            ref = f"refs/remotes/{remote}/{name}"
        elif repo.ref_exists(f"refs/heads/{name}"):
            ref = f"refs/heads/{name}"
        else:
            ref = name
        if name.startswith("refs/heads/"):
            name = name[len("refs/heads/") :]
        commit = repo.resolve(ref)
        if commit is None:
            raise MigratorError(f"--base {requested!r}: no such branch or commit in {repo.root}")
        return Base(name, ref, commit, "--base")
    if remote in remotes:
        head = repo.symbolic_ref(f"refs/remotes/{remote}/HEAD")
        if head and repo.resolve(head):
            name = head[len(f"refs/remotes/{remote}/") :] if head.startswith(f"refs/remotes/{remote}/") else head
            return Base(name, head, repo.resolve(head) or "", f"{remote}/HEAD")
    candidates = []
    configured = repo.config("init.defaultBranch")
    if configured:
        candidates.append((configured, "init.defaultBranch"))
    candidates += [("main", "default name"), ("master", "default name")]
    for name, why in candidates:
        for ref in ([f"refs/remotes/{remote}/{name}"] if remote in remotes else []) + [f"refs/heads/{name}"]:
            if repo.ref_exists(ref):
                return Base(name, ref, repo.resolve(ref) or "", why)
    if repo.resolve("HEAD") is None:
        raise MigratorError(f"{repo.root}: the repository has no commits yet; commit something first or pass --base")
    raise MigratorError(
        f"{repo.root}: cannot tell the default branch (no {remote}/HEAD, no main or master); pass --base BRANCH"
    )


def is_migrator_commit(message: str) -> bool:
    return bool(_TRAILER_RE.search(message))


def _branch_state(repo: Repository, branch: str, base: Base, remote: str, force: bool):
    local = repo.resolve(f"refs/heads/{branch}") if repo.ref_exists(f"refs/heads/{branch}") else None
    remote_ref = f"refs/remotes/{remote}/{branch}"
    remote_tip = repo.resolve(remote_ref) if remote in repo.remotes() and repo.ref_exists(remote_ref) else None
    tips = [t for t in (local, remote_tip) if t]
    foreign = []
    for sha, parents, message in repo.commits_between(base.commit, tips):
        if is_migrator_commit(message):
            continue
        if len(parents) > 1 and all(repo.is_ancestor(p, base.commit) for p in parents[1:]):
            continue  # "Update branch": a merge bringing the base in
        foreign.append((sha, message.strip().splitlines()[0] if message.strip() else ""))
    if foreign:
        if not force:
            sha, subject = foreign[-1]
            more = f" and {len(foreign) - 1} more" if len(foreign) > 1 else ""
            raise MigratorError(
                f"branch {branch} has commits migrator did not make ({sha[:12]} {subject!r}{more}); refusing to "
                "change it: pass another --branch, or --force to replace it"
            )
        return "replace", base.commit, local, remote_tip
    if local and remote_tip and not repo.is_ancestor(remote_tip, local):
        if repo.is_ancestor(local, remote_tip):
            return "existing", remote_tip, local, remote_tip
        if not force:
            raise MigratorError(
                f"branch {branch} and {remote}/{branch} have diverged; reconcile them, pass another --branch, "
                "or --force to replace both"
            )
        return "replace", base.commit, local, remote_tip
    start = local or remote_tip
    return ("existing", start, local, remote_tip) if start else ("new", base.commit, None, None)


# -- content --------------------------------------------------------------------------------------------------


def planned_content(inputs: Inputs, dest: str, rollout: Stage) -> dict[str, tuple[bytes, str]]:
    """Repository path -> (content, source) of everything the commit holds."""
    files: dict[str, tuple[bytes, str]] = {}
    for manifest in inputs.manifests:
        files[f"{dest}/{manifest.name}"] = (apply_stage(manifest, rollout.actions).encode("utf-8"), manifest.path)
    if inputs.report is not None:
        path = f"{dest}/{REPORT_NAME}"
        if path in files:
            raise MigratorError(f"{inputs.input_dir}: a manifest is named {REPORT_NAME}, which the report uses")
        files[path] = (inputs.report.raw, inputs.report.path)
    return files


def inputs_hash(files: dict[str, tuple[bytes, str]]) -> str:
    digest = hashlib.sha256(b"migrator-pr/1\n")
    for path in sorted(files):
        digest.update(path.encode("utf-8") + b"\0" + hashlib.sha256(files[path][0]).hexdigest().encode() + b"\n")
    return digest.hexdigest()


def _title(inputs: Inputs, rollout: Stage) -> str:
    n = len(inputs.manifests)
    what = f"{n} polic{'y' if n == 1 else 'ies'}"
    return f"Move {what} to ValidatingAdmissionPolicy ({rollout.name} stage)"


def _commit_message(inputs: Inputs, plan_title: str, rollout: Stage, dest: str, digest: str, update: bool) -> str:
    names = ", ".join(m.name.rsplit(".", 1)[0] for m in inputs.manifests)
    body = [f"{'Update' if update else 'Add'} ValidatingAdmissionPolicy manifests under {dest}/ for: {names}."]
    body.append(f"Bindings use validationActions [{', '.join(rollout.actions)}]: {rollout.effect}.")
    if inputs.report is not None:
        counts = {"converted": 0, "partial": 0, "unsupported": 0}
        for policy in inputs.report.policies:
            for rule in policy.rules:
                counts[rule.status] += 1
        body.append(
            f"Rules: {counts['converted']} converted, {counts['partial']} partial, {counts['unsupported']} unsupported "
            f"(details in {dest}/{REPORT_NAME})."
        )
    subject = plan_title if not update else f"Update: {plan_title}"
    paragraph = "\n".join(textwrap.fill(line, 72, break_on_hyphens=False, break_long_words=False) for line in body)
    return f"{subject}\n\n{paragraph}\n\n{TRAILER}: {digest}\nMigrator-Rollout: {rollout.name}\n"


def build_plan(options: Options, inputs: Inputs) -> Plan:
    """Read the repository and decide everything a run would do; raises MigratorError when it must not run."""
    rollout = stage(options.rollout)
    dest = normalize_dest(options.dest)
    if options.github_repo:
        check_github_repo(options.github_repo)
    repo = Repository(options.repo)
    if options.push:
        if options.remote not in repo.remotes():
            raise MigratorError(f"{repo.root}: no git remote named {options.remote!r} (see `git remote -v`, or --remote)")
    content = planned_content(inputs, dest, rollout)
    digest = inputs_hash(content)
    branch = options.branch or f"{BRANCH_PREFIX}{digest[:10]}"
    repo.check_branch_name(branch)
    base = resolve_base(repo, options.base, options.remote)
    if branch == base.name:
        raise MigratorError(f"branch {branch} is the base branch; pass another --branch")
    state, start, local, remote_tip = _branch_state(repo, branch, base, options.remote, options.force)

    existing = repo.blob_ids(start, dest)
    files = []
    for path in sorted(content):
        data, source = content[path]
        if path not in existing:
            action = "add"
        elif existing[path] != repo.blob_id(data):
            action = "update"
        else:
            action = "unchanged"
        files.append(PlannedFile(path, data, action, source))
    kept = sorted(p for p in existing if p not in content)

    title = _title(inputs, rollout)
    message = _commit_message(inputs, title, rollout, dest, digest, update=state == "existing")
    plan = Plan(
        repo=repo,
        branch=branch,
        base=base,
        state=state,
        start=start,
        local_tip=local,
        remote_tip=remote_tip,
        files=files,
        kept=kept,
        rollout=rollout,
        dest=dest,
        inputs_hash=digest,
        title=title,
        commit_message=message,
        remote=options.remote,
        push=options.push,
        github_repo=options.github_repo,
        bindings=sorted({b.name for m in inputs.manifests for b in m.bindings}),
    )
    if inputs.skipped:
        plan.notes.append(f"skipped (no objects): {', '.join(inputs.skipped)}")

    # The branch ref moves when a commit is made or when it must catch up with its start (remote tip, --force).
    moves = plan.changes or local != start
    if moves:
        for tree in repo.worktrees():
            if tree.branch == plan.branch_ref:
                dirty = " and has uncommitted changes" if repo.has_uncommitted_changes(tree.path) else ""
                raise MigratorError(
                    f"branch {branch} is checked out in {tree.path}{dirty}; moving it would change that checkout: "
                    "switch that worktree to another branch first, or pass another --branch"
                )
        if plan.changes and not options.dry_run and not repo.has_identity():
            raise GitError(
                "git has no committer identity: set user.name and user.email (git config), or GIT_AUTHOR_NAME, "
                "GIT_AUTHOR_EMAIL, GIT_COMMITTER_NAME and GIT_COMMITTER_EMAIL"
            )
    return plan
