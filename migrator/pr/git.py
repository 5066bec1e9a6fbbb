"""The git side of `migrator pr`: read refs, and build a commit in a throw-away worktree.

The user's checkout is never touched: commits are made in a detached worktree under a temporary directory
(`git worktree add --no-checkout`, then only DEST is written and staged), and the branch ref is moved with a
compare-and-swap `git update-ref`. The worktree is removed afterwards, also when anything fails.

Hooks are switched off for the commands migrator runs on its own worktree (`core.hooksPath` pointing at an empty
directory, `commit --no-verify`): a generated commit must not depend on, or trigger, a user's local hooks. `git push`
runs with the user's hooks and credentials as usual.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Sequence

from migrator.errors import MigratorError


# Variables that would point a child git at another repository, index or worktree than the one we name.
_REPO_ENV = ("GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_PREFIX", "GIT_COMMON_DIR", "GIT_NAMESPACE")


class GitError(MigratorError):
    """A git command failed in a way the user can act on."""


def redact_urls(text: str) -> str:
    """Hide credentials embedded in URLs (`https://user:secret@host`) before a message is shown."""
    return re.sub(r"([A-Za-z][A-Za-z0-9+.-]*://)[^/@\s]+@", r"\1***@", text)


def _last_line(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip()]
    # git's useful sentence is usually the `fatal:`/`error:` line, else the last one.
    for ln in lines:
        if ln.startswith(("fatal:", "error:")):
            return redact_urls(ln)
    return redact_urls(lines[-1]) if lines else ""


def git_env() -> dict[str, str]:
    """The environment for git children: no prompts, C locale messages, no inherited repository overrides."""
    env = {k: v for k, v in os.environ.items() if k not in _REPO_ENV}
    env["GIT_TERMINAL_PROMPT"] = "0"
    env["GIT_OPTIONAL_LOCKS"] = "0"  # `git status` must not refresh (rewrite) the user's index
    env["LC_ALL"] = "C"
    env.pop("LANGUAGE", None)
    return env


@dataclass(frozen=True)
class Worktree:
    """One checked-out work tree of the repository (`git worktree list`)."""

    path: str
    head: str | None
    branch: str | None  # full ref name, e.g. refs/heads/main; None when detached


class Git:
    """Runs git against one directory (`git -C dir`)."""

    def __init__(self, cwd: str | os.PathLike, *, config: Sequence[str] = ()) -> None:
        self.cwd = str(cwd)
        self._config = list(config)

    def run(
        self,
        *args: str,
        check: bool = True,
        input: str | None = None,
        what: str | None = None,
    ) -> subprocess.CompletedProcess[str]:
        cmd = ["git", "-C", self.cwd]
        for item in self._config:
            cmd += ["-c", item]
        cmd += list(args)
        try:
            proc = subprocess.run(cmd, input=input, capture_output=True, text=True, env=git_env())
        except FileNotFoundError:
            raise GitError("git is not installed (or not on PATH)") from None
        if check and proc.returncode != 0:
            detail = _last_line(proc.stderr) or _last_line(proc.stdout) or f"exit status {proc.returncode}"
            raise GitError(f"{what or 'git ' + args[0]} failed: {detail}")
        return proc

    def out(self, *args: str, what: str | None = None) -> str:
        return self.run(*args, what=what).stdout.strip()

    def ok(self, *args: str) -> bool:
        return self.run(*args, check=False).returncode == 0


class Repository:
    """A git repository found from a path inside it (its work tree or, for a bare repository, the git dir)."""

    def __init__(self, path: str | os.PathLike) -> None:
        p = Path(path)
        if not p.exists():
            raise GitError(f"{p}: no such directory")
        if not p.is_dir():
            raise GitError(f"{p}: not a directory")
        probe = Git(p).run("rev-parse", "--is-bare-repository", "--absolute-git-dir", "--git-common-dir", check=False)
        if probe.returncode != 0:
            raise GitError(f"{p}: not a git repository (run `git init` there, or pass --repo)")
        bare, git_dir, common = probe.stdout.split("\n")[:3]
        self.bare = bare.strip() == "true"
        self.git_dir = Path(git_dir.strip())
        common_dir = Path(common.strip())
        self.common_dir = common_dir if common_dir.is_absolute() else (p / common_dir).resolve()
        if self.bare:
            self.root = self.git_dir
        else:
            self.root = Path(Git(p).out("rev-parse", "--show-toplevel"))
        self.git = Git(self.root)
        fmt = self.git.run("rev-parse", "--show-object-format", check=False).stdout.strip()
        self.object_format = fmt if fmt in ("sha1", "sha256") else "sha1"

    def blob_id(self, content: bytes) -> str:
        """The id git gives `content` as a blob (no filters), without writing anything."""
        return hashlib.new(self.object_format, b"blob %d\0" % len(content) + content).hexdigest()

    @property
    def zero_oid(self) -> str:
        return "0" * (64 if self.object_format == "sha256" else 40)

    # -- refs -------------------------------------------------------------------------------------------------

    def resolve(self, ref: str) -> str | None:
        """The commit a ref or revision names, or None."""
        proc = self.git.run("rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}", check=False)
        return proc.stdout.strip() or None if proc.returncode == 0 else None

    def ref_exists(self, full_ref: str) -> bool:
        return self.git.ok("show-ref", "--verify", "--quiet", full_ref)

    def symbolic_ref(self, name: str) -> str | None:
        proc = self.git.run("symbolic-ref", "--quiet", name, check=False)
        return proc.stdout.strip() or None if proc.returncode == 0 else None

    def config(self, key: str) -> str | None:
        proc = self.git.run("config", "--get", key, check=False)
        return proc.stdout.strip() or None if proc.returncode == 0 else None

    def remotes(self) -> list[str]:
        return self.git.out("remote").split()

    def is_ancestor(self, ancestor: str, descendant: str) -> bool:
        return self.git.ok("merge-base", "--is-ancestor", ancestor, descendant)

    def check_branch_name(self, name: str) -> None:
        if not self.git.ok("check-ref-format", "--branch", name) or name.startswith("-"):
            raise GitError(f"{name!r} is not a valid branch name")

    def commits_between(self, base: str, tips: Sequence[str]) -> list[tuple[str, list[str], str]]:
        """(sha, parents, full message) of commits reachable from `tips` but not from `base`, newest first."""
        if not tips:
            return []
        out = self.git.run("log", "--format=%H%x1f%P%x1f%B%x1e", *tips, "--not", base, "--").stdout
        commits = []
        for record in out.split("\x1e"):
            record = record.strip("\n")
            if not record:
                continue
            sha, parents, message = record.split("\x1f", 2)
            commits.append((sha, parents.split(), message))
        return commits

    def blob_ids(self, commit: str, directory: str) -> dict[str, str]:
        """Path -> blob id of the files under `directory` in `commit`."""
        out = self.git.run("ls-tree", "-r", "-z", "--full-tree", commit, "--", directory).stdout
        ids: dict[str, str] = {}
        for entry in out.split("\0"):
            if not entry:
                continue
            meta, path = entry.split("\t", 1)
            _mode, kind, oid = meta.split()
            if kind == "blob":
                ids[path] = oid
        return ids

    def worktrees(self) -> list[Worktree]:
        out = self.git.out("worktree", "list", "--porcelain")
        trees: list[Worktree] = []
        for block in out.split("\n\n"):
            fields: dict[str, str] = {}
            for line in block.splitlines():
                key, _, value = line.partition(" ")
                fields[key] = value
            if "worktree" in fields and "bare" not in fields:
                trees.append(Worktree(fields["worktree"], fields.get("HEAD"), fields.get("branch")))
        return trees

    def has_uncommitted_changes(self, worktree_path: str) -> bool:
        proc = Git(worktree_path).run("status", "--porcelain", "--untracked-files=no", check=False)
        return bool(proc.stdout.strip())

    def has_identity(self) -> bool:
        return self.git.ok("var", "GIT_AUTHOR_IDENT") and self.git.ok("var", "GIT_COMMITTER_IDENT")

    def update_ref(self, full_ref: str, new: str, old: str | None, message: str) -> None:
        """Move `full_ref` from `old` (None: it must not exist) to `new`, failing if someone moved it meanwhile."""
        self.git.run(
            "update-ref", "-m", message, full_ref, new, old or self.zero_oid, what=f"updating {full_ref}"
        )

    def delete_ref(self, full_ref: str, old: str) -> None:
        self.git.run("update-ref", "-d", full_ref, old, what=f"deleting {full_ref}")

    def push(self, remote: str, branch: str, *, lease: str | None = None, force: bool = False) -> str:
        """Push refs/heads/<branch> to the same name on `remote`; `force` uses --force-with-lease on `lease`."""
        args = ["push", "--porcelain"]
        if force:
            args.append(f"--force-with-lease=refs/heads/{branch}:{lease or ''}")
        args += ["--", remote, f"refs/heads/{branch}:refs/heads/{branch}"]
        proc = self.git.run(*args, check=False)
        if proc.returncode != 0:
            text = proc.stderr + "\n" + proc.stdout
            if "rejected" in text and ("non-fast-forward" in text or "fetch first" in text or "stale info" in text):
                raise GitError(
                    f"push to {remote} rejected: {remote}'s {branch} has commits this repository does not have; "
                    f"run `git fetch {remote}` and re-run (or --force to replace them)"
                )
            raise GitError(f"push to {remote} failed: {_last_line(proc.stderr) or _last_line(proc.stdout)}")
        return redact_urls(proc.stdout.strip())


@contextlib.contextmanager
def temporary_worktree(repo: Repository, commit: str) -> Iterator[Git]:
    """A detached worktree at `commit` with its index filled but no files checked out; always removed afterwards.

    Yields a Git bound to the worktree with hooks disabled. Only what the caller writes exists on disk, so
    building a commit costs the size of DEST, not of the repository.
    """
    holder = Path(tempfile.mkdtemp(prefix="migrator-pr-"))
    hooks = holder / "no-hooks"
    hooks.mkdir()
    path = holder / "worktree"
    quiet = [f"core.hooksPath={hooks}"]
    added = False
    try:
        Git(repo.root, config=quiet).run(
            "worktree", "add", "--detach", "--no-checkout", str(path), commit, what="git worktree add"
        )
        added = True
        tree = Git(path, config=quiet)
        tree.run("read-tree", commit, what="git read-tree")
        yield tree
    finally:
        if added:
            Git(repo.root).run("worktree", "remove", "--force", str(path), check=False)
        shutil.rmtree(holder, ignore_errors=True)
        if added:
            Git(repo.root).run("worktree", "prune", check=False)


def commit_files(tree: Git, files: dict[str, bytes], message: str) -> str | None:
    """Write `files` (repo-relative path -> content) into the worktree, stage them and commit.

    Returns the new commit, or None when the content equals what the worktree's HEAD already holds.
    """
    root = Path(tree.cwd)
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
    if files:
        # -f: DEST may be ignored by a .gitignore rule; what the user asked to commit is committed.
        tree.run("add", "-f", "--", *files, what="git add")
    if tree.ok("diff", "--cached", "--quiet"):
        return None
    tree.run("commit", "--no-verify", "--quiet", "--no-edit", "-F", "-", input=message, what="git commit")
    return tree.out("rev-parse", "HEAD")
