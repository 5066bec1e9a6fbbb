"""A small GitHub REST client for pull requests (urllib only): find the open one for a branch, open, update.

The token comes from GITHUB_TOKEN or GH_TOKEN and goes into the Authorization header and nowhere else: not in
errors, not in reprs, not in --debug tracebacks (messages are built from GitHub's answer, never from the request).
Redirects are not followed, so the header is never replayed to another host; plain http is refused except to a
loopback address (a local stand-in), since it would send the token in clear.
"""

from __future__ import annotations

import http.client
import ipaddress
import json
import os
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

from migrator.errors import MigratorError

TOKEN_VARIABLES = ("GITHUB_TOKEN", "GH_TOKEN")
DEFAULT_API = "https://api.github.com"
TIMEOUT_SECONDS = 30

_HINTS = {
    401: "the token in {var} was rejected: check it is valid and not expired",
    403: "the token lacks permission (it needs pull requests: write, or the repo scope) or the rate limit was hit",
    404: "check --github-repo (OWNER/NAME) and that the token can see that repository",
    422: "check that the branch was pushed to the repository and that the base branch exists there",
}


class GitHubError(MigratorError):
    """The GitHub API refused or could not be reached."""


def token_from_env(environ: dict[str, str] | None = None) -> tuple[str, str]:
    """(variable name, token) from GITHUB_TOKEN, else GH_TOKEN."""
    env = os.environ if environ is None else environ
    for var in TOKEN_VARIABLES:
        value = (env.get(var) or "").strip()
        if value:
            return var, value
    raise GitHubError(
        "--github-repo needs a token: set GITHUB_TOKEN (or GH_TOKEN) to a token allowed to open pull requests"
    )


def check_api_url(url: str) -> str:
    """The API base URL without trailing slash; http only to loopback hosts."""
    parsed = urllib.parse.urlsplit(url or "")
    if parsed.scheme not in ("https", "http") or not parsed.hostname:
        raise GitHubError(f"--github-api {url!r}: expected an http(s) URL such as {DEFAULT_API} or https://HOST/api/v3")
    if parsed.username or parsed.password:
        raise GitHubError("--github-api must not hold credentials; the token comes from GITHUB_TOKEN or GH_TOKEN")
    if parsed.scheme == "http" and not _is_loopback(parsed.hostname):
        raise GitHubError(f"--github-api {url!r}: plain http would send the token unencrypted; use https")
    return url.rstrip("/")


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):  # noqa: ANN001
        return None  # the HTTPError for the 3xx is raised instead


@dataclass(frozen=True)
class PullRequest:
    number: int
    url: str  # html_url, what a person opens
    body: str
    head: str
    base: str


class GitHub:
    """Pull requests of one repository through the REST API."""

    def __init__(self, api_url: str, owner: str, repo: str, token: str, *, token_variable: str = "GITHUB_TOKEN") -> None:
        self.api = check_api_url(api_url)
        self.owner = owner
        self.repo = repo
        self.__token = token
        self._token_variable = token_variable
        self._opener = urllib.request.build_opener(_NoRedirect)

    def __repr__(self) -> str:
        return f"GitHub(api={self.api!r}, repo='{self.owner}/{self.repo}', token=***)"

    # -- transport --------------------------------------------------------------------------------------------

    def _redact(self, text: str) -> str:
        return text.replace(self.__token, "***") if self.__token else text

    def request(self, method: str, path: str, payload: dict[str, Any] | None = None, query: dict[str, str] | None = None):
        url = self.api + path + ("?" + urllib.parse.urlencode(query) if query else "")
        data = json.dumps(payload).encode("utf-8") if payload is not None else None
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Accept", "application/vnd.github+json")
        req.add_header("X-GitHub-Api-Version", "2022-11-28")
        req.add_header("User-Agent", "migrator-pr")
        req.add_header("Authorization", f"Bearer {self.__token}")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        where = f"{method} {path}"
        try:
            with self._opener.open(req, timeout=TIMEOUT_SECONDS) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as exc:
            raise self._http_error(where, exc) from None
        except urllib.error.URLError as exc:
            reason = getattr(exc, "reason", exc)
            raise GitHubError(self._redact(f"GitHub API {self.api} unreachable ({where}): {reason}; check --github-api and the network")) from None
        except (TimeoutError, OSError, http.client.HTTPException) as exc:
            raise GitHubError(self._redact(f"GitHub API {self.api} unreachable ({where}): {exc}")) from None
        try:
            return json.loads(raw.decode("utf-8")) if raw.strip() else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise GitHubError(f"GitHub API {where}: the answer is not JSON; is --github-api {self.api} the REST API root?") from None

    def _http_error(self, where: str, exc: urllib.error.HTTPError) -> GitHubError:
        status = exc.code
        message = exc.reason or ""
        details: list[str] = []
        try:
            body = json.loads(exc.read().decode("utf-8"))
        except Exception:  # noqa: BLE001 - any unreadable body: fall back to the HTTP reason
            body = None
        if isinstance(body, dict):
            message = str(body.get("message") or message)
            for err in body.get("errors") or []:
                if isinstance(err, dict):
                    text = err.get("message") or " ".join(str(err.get(k)) for k in ("resource", "field", "code") if err.get(k))
                    if text:
                        details.append(str(text))
                elif err:
                    details.append(str(err))
        if 300 <= status < 400:
            hint = f"the API answered with a redirect to {exc.headers.get('Location')!r}; use that address in --github-api or --github-repo"
        else:
            hint = _HINTS.get(status, "retry later" if status >= 500 else "see the message above").format(var=self._token_variable)
        detail = f" ({'; '.join(details)})" if details else ""
        return GitHubError(self._redact(f"GitHub API {where} returned {status}: {message}{detail}; {hint}"))

    # -- pull requests ----------------------------------------------------------------------------------------

    @property
    def _pulls(self) -> str:
        return f"/repos/{urllib.parse.quote(self.owner)}/{urllib.parse.quote(self.repo)}/pulls"

    @staticmethod
    def _pull(data: Any) -> PullRequest:
        if not isinstance(data, dict) or not isinstance(data.get("number"), int):
            raise GitHubError("GitHub API: unexpected answer for a pull request (no number)")
        return PullRequest(
            number=data["number"],
            url=str(data.get("html_url") or data.get("url") or ""),
            body=str(data.get("body") or ""),
            head=str((data.get("head") or {}).get("ref") or ""),
            base=str((data.get("base") or {}).get("ref") or ""),
        )

    def find_open_pull(self, branch: str, head_owner: str | None = None) -> PullRequest | None:
        """The open pull request whose head is `head_owner:branch` (GET .../pulls?head=...&state=open)."""
        data = self.request("GET", self._pulls, query={"head": f"{head_owner or self.owner}:{branch}", "state": "open"})
        if not isinstance(data, list):
            raise GitHubError("GitHub API: unexpected answer listing pull requests (not a list)")
        pulls = [self._pull(item) for item in data]
        mine = [p for p in pulls if not p.head or p.head == branch]
        return min(mine, key=lambda p: p.number) if mine else None

    def create_pull(self, *, title: str, head: str, base: str, body: str) -> PullRequest:
        return self._pull(self.request("POST", self._pulls, {"title": title, "head": head, "base": base, "body": body}))

    def update_pull(self, number: int, *, body: str) -> PullRequest:
        return self._pull(self.request("PATCH", f"{self._pulls}/{number}", {"body": body}))
