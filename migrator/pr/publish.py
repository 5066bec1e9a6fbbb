"""Carry out a plan: commit in a temporary worktree, move the branch, push, open or update the pull request.

All or nothing for the local repository: the open pull request is looked up before anything changes (a bad
token or repository name fails first), and if the push or the API call fails afterwards the branch ref is put
back where it was (deleted if this run created it). What a push already sent stays on the remote; a re-run picks
it up from the remote-tracking branch and finishes the job without a second commit.
"""

from __future__ import annotations

from dataclasses import dataclass

from migrator.pr.git import commit_files, temporary_worktree
from migrator.pr.github import GitHub, PullRequest
from migrator.pr.plan import Plan


@dataclass(frozen=True)
class Outcome:
    branch: str
    head: str
    committed: bool  # a new commit was made
    moved: bool  # the local branch ref changed (created, advanced or replaced)
    created: bool  # the local branch did not exist before
    pushed: bool
    pull: PullRequest | None
    pull_action: str | None  # opened | updated

    def render(self, plan: Plan) -> str:
        lines = []
        what = "created" if self.created else ("updated" if self.moved else "unchanged")
        detail = "new commit" if self.committed else "no new commit: it already holds these files"
        lines.append(f"branch {self.branch} {what} at {self.head[:12]} ({detail})")
        if self.pushed:
            lines.append(f"pushed {self.branch} to {plan.remote}")
        if self.pull is not None:
            lines.append(f"pull request #{self.pull.number} {self.pull_action}: {self.pull.url}")
        return "\n".join(lines) + "\n"


def publish(plan: Plan, description: str, github: GitHub | None = None) -> Outcome:
    repo = plan.repo
    existing: PullRequest | None = github.find_open_pull(plan.branch) if github else None

    files = {f.path: f.content for f in plan.files}
    with temporary_worktree(repo, plan.start) as tree:
        commit = commit_files(tree, files, plan.commit_message)
    head = commit or plan.start
    moved = head != plan.local_tip
    if moved:
        repo.update_ref(plan.branch_ref, head, plan.local_tip, f"migrator pr: {plan.title}")
    try:
        pushed = False
        if plan.push:
            force = plan.remote_tip is not None and not repo.is_ancestor(plan.remote_tip, head)
            repo.push(plan.remote, plan.branch, lease=plan.remote_tip, force=force)
            pushed = True
        pull, action = None, None
        if github is not None:
            if existing is not None:
                pull, action = github.update_pull(existing.number, body=description), "updated"
            else:
                pull = github.create_pull(title=plan.title, head=plan.branch, base=plan.base.name, body=description)
                action = "opened"
    except BaseException:
        if moved:
            _restore(plan, head)
        raise
    return Outcome(plan.branch, head, commit is not None, moved, plan.local_tip is None, pushed, pull, action)


def _restore(plan: Plan, head: str) -> None:
    """Put the branch ref back as it was before this run; never mask the error that got us here."""
    try:
        if plan.local_tip is None:
            plan.repo.delete_ref(plan.branch_ref, head)
        else:
            plan.repo.update_ref(plan.branch_ref, plan.local_tip, head, "migrator pr: roll back")
    except Exception:  # noqa: BLE001
        pass
