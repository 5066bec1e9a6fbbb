"""The pull request through a loopback stand-in for the GitHub REST API: open once, update after, errors, token."""

from __future__ import annotations


def _pr_args(ws, github, *extra):
    return ws.args("--verify", str(ws.verify), "--analyze", str(ws.analyze), "--push",
                   "--github-repo", "acme/platform", "--github-api", github.url, *extra)


def test_opens_a_pull_request_then_updates_it(ws, run_cli, github, monkeypatch, h):
    monkeypatch.setenv("GITHUB_TOKEN", h.TOKEN)
    first = run_cli(_pr_args(ws, github))
    assert first.code == 0, first.err
    assert "pull request #1 opened: https://github.example/acme/platform/pull/1" in first.out

    # Every request carried the token as a bearer credential and asked for the REST media type.
    assert github.requests and all(r.headers["Authorization"] == f"Bearer {h.TOKEN}" for r in github.requests)
    assert all(r.headers["Accept"] == "application/vnd.github+json" for r in github.requests)
    lookup = github.calls("GET")[0]
    assert lookup.path == "/repos/acme/platform/pulls"
    branch = [b for b in ws.git("branch", "--format=%(refname:short)").splitlines() if b.startswith("migrator/")][0]
    assert lookup.query == {"head": [f"acme:{branch}"], "state": ["open"]}
    created = github.calls("POST")[0].body
    assert created["head"] == branch and created["base"] == "main"
    assert created["title"] == "Move 2 policies to ValidatingAdmissionPolicy (audit stage)"
    assert "## Verification" in created["body"] and "disallow-latest-tag: no latest tag" in created["body"]
    head = ws.git("rev-parse", branch)

    second = run_cli(_pr_args(ws, github))
    assert second.code == 0, second.err
    assert "pull request #1 updated" in second.out
    assert len(github.calls("POST")) == 1 and len(github.pulls) == 1
    patch = github.calls("PATCH")[0]
    assert patch.path == "/repos/acme/platform/pulls/1" and set(patch.body) == {"body"}
    assert patch.body["body"] == created["body"]
    assert ws.git("rev-parse", branch) == head
    assert h.TOKEN not in first.out + first.err + second.out + second.err


def test_gh_token_is_accepted(ws, run_cli, github, monkeypatch, h):
    monkeypatch.setenv("GH_TOKEN", h.TOKEN)
    result = run_cli(_pr_args(ws, github))
    assert result.code == 0, result.err
    assert github.calls("POST")


def test_missing_token_stops_before_anything_changes(ws, run_cli, github):
    before, refs = ws.snapshot(), ws.refs()
    result = run_cli(_pr_args(ws, github))
    assert result.code == 2
    assert "GITHUB_TOKEN" in result.err and result.err.count("\n") == 1
    assert ws.refs() == refs and ws.snapshot() == before
    assert github.requests == []


def test_rejected_token_is_reported_without_the_token(ws, run_cli, github, monkeypatch):
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_wrong_token_value_987")
    refs = ws.refs()
    result = run_cli(["--debug", *_pr_args(ws, github)])
    assert result.code == 2
    assert "401" in result.err and "Bad credentials" in result.err and "GITHUB_TOKEN" in result.err
    assert "ghp_wrong_token_value_987" not in result.out + result.err
    # The lookup failed before any branch was made.
    assert ws.refs() == refs


def test_api_error_shows_githubs_message_and_rolls_back(ws, run_cli, github, monkeypatch, h):
    monkeypatch.setenv("GITHUB_TOKEN", h.TOKEN)
    github.fail["POST"] = (422, {
        "message": "Validation Failed",
        "errors": [{"resource": "PullRequest", "field": "base", "code": "invalid", "message": "base does not exist"}],
        "documentation_url": "https://docs.github.com/rest/pulls/pulls#create-a-pull-request",
    })
    before, refs = ws.snapshot(), ws.refs()
    result = run_cli(_pr_args(ws, github))
    assert result.code == 2
    line = result.err.strip()
    assert "\n" not in line
    assert "POST /repos/acme/platform/pulls returned 422: Validation Failed (base does not exist)" in line
    assert "check that the branch was pushed" in line
    assert h.TOKEN not in result.out + result.err
    # The local branch is put back (it did not exist); the push already reached the remote.
    local = {k: v for k, v in ws.refs().items() if k.startswith("refs/heads/")}
    assert local == {k: v for k, v in refs.items() if k.startswith("refs/heads/")}
    assert ws.snapshot() == before

    # A re-run once GitHub accepts finishes the job from the pushed branch, without a second commit.
    del github.fail["POST"]
    again = run_cli(_pr_args(ws, github))
    assert again.code == 0, again.err
    branch = github.pulls[0]["head"]["ref"]
    assert ws.git("rev-list", "--count", f"main..{branch}") == "1"


def test_plain_http_to_a_remote_host_is_refused(ws, run_cli, monkeypatch, h):
    monkeypatch.setenv("GITHUB_TOKEN", h.TOKEN)
    result = run_cli(ws.args("--github-repo", "acme/platform", "--github-api", "http://github.example.com/api/v3"))
    assert result.code == 2 and "https" in result.err


def test_bad_github_repo_name(ws, run_cli, monkeypatch, h):
    monkeypatch.setenv("GITHUB_TOKEN", h.TOKEN)
    result = run_cli(ws.args("--github-repo", "not-a-repo"))
    assert result.code == 2 and "OWNER/NAME" in result.err


def test_unreachable_api(ws, run_cli, monkeypatch, h):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("GITHUB_TOKEN", h.TOKEN)
    refs = ws.refs()
    result = run_cli(ws.args("--github-repo", "acme/platform", "--github-api", f"http://127.0.0.1:{port}"))
    assert result.code == 2 and "unreachable" in result.err
    assert ws.refs() == refs


def test_client_never_shows_the_token():
    from migrator.pr.github import GitHub

    client = GitHub("https://api.github.com", "acme", "platform", "ghp_secret")
    assert "ghp_secret" not in repr(client) and "ghp_secret" not in str(vars(client).keys())
