"""`migrator pr`: put a conversion on a reviewable branch (and pull request) with a staged rollout."""

from __future__ import annotations

from enum import Enum
from typing import Optional

import typer

from migrator.cli.app import app


class RolloutStage(str, Enum):
    audit = "audit"
    warn = "warn"
    deny = "deny"


@app.command("pr")
def pr_command(
    input_dir: str = typer.Option(..., "--input", help="Folder `migrator convert -o` wrote (one <policy>.yaml each)."),
    repo: str = typer.Option(".", "--repo", help="The git repository to put the branch in."),
    report: Optional[str] = typer.Option(None, "--report", help="Conversion report JSON (migrator convert --report)."),
    verify: Optional[str] = typer.Option(None, "--verify", help="migrator verify --format json output."),
    analyze: Optional[str] = typer.Option(None, "--analyze", help="migrator analyze --format json output."),
    branch: Optional[str] = typer.Option(None, "--branch", help="Branch name (default: migrator/vap-<hash of what is committed>)."),
    base: Optional[str] = typer.Option(None, "--base", help="Base branch (default: the repository's default branch)."),
    dest: str = typer.Option("policies/vap", "--dest", help="Folder in the repository for the manifests."),
    rollout: RolloutStage = typer.Option(RolloutStage.audit, "--rollout", help="Stage the bindings start at."),
    push: bool = typer.Option(False, "--push", help="Push the branch to --remote."),
    remote: str = typer.Option("origin", "--remote", help="Remote to push to and to take the default branch from."),
    github_repo: Optional[str] = typer.Option(None, "--github-repo", help="OWNER/NAME: open or update a pull request there."),
    github_api: str = typer.Option("https://api.github.com", "--github-api", help="GitHub API root (Enterprise: https://HOST/api/v3)."),
    template: Optional[str] = typer.Option(None, "--template", help="jinja2 template for the description."),
    force: bool = typer.Option(False, "--force", help="Replace a branch that holds commits migrator did not make."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Print the plan and the description; change nothing."),
) -> None:
    """Commit the converted policies on a branch (never touching your checkout), push it, open a pull request.

    The token for --github-repo comes from GITHUB_TOKEN or GH_TOKEN.
    """
    from migrator.pr.description import build_context, render
    from migrator.pr.github import GitHub, GitHubError, check_api_url, token_from_env
    from migrator.pr.inputs import load_inputs
    from migrator.pr.plan import Options, build_plan, check_github_repo
    from migrator.pr.publish import publish

    options = Options(
        repo=repo,
        input_dir=input_dir,
        report=report,
        verify=verify,
        analyze=analyze,
        branch=branch,
        base=base,
        dest=dest,
        rollout=rollout.value,
        push=push,
        remote=remote,
        github_repo=github_repo,
        github_api=github_api,
        template=template,
        force=force,
        dry_run=dry_run,
    )
    token = None
    if github_repo:
        check_github_repo(github_repo)
        check_api_url(github_api)
        try:
            token = token_from_env()
        except GitHubError:
            if not dry_run:
                raise

    inputs = load_inputs(input_dir, report, verify, analyze)
    plan = build_plan(options, inputs)
    description = render(build_context(plan, inputs, options), template)

    if dry_run:
        if github_repo and token is None:
            plan.notes.append("GITHUB_TOKEN / GH_TOKEN is not set: a real run would stop before changing anything")
        if github_repo and not push:
            plan.notes.append("without --push the branch must already be on GitHub for the pull request")
        typer.echo(plan.render(), nl=False)
        typer.echo("\n--- pull request description " + "-" * 40 + "\n")
        typer.echo(description, nl=False)
        return

    github = None
    if github_repo and token is not None:
        owner, name = github_repo.split("/")
        github = GitHub(github_api, owner, name, token[1], token_variable=token[0])
    outcome = publish(plan, description, github)
    typer.echo(outcome.render(plan), nl=False)
