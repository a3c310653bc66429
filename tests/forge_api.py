"""A local HTTPS server on loopback that plays the parts of the GitHub REST API (as GitHub
Enterprise Server serves it, under /api/v3) and of the GitLab REST API (/api/v4) that the
Action's and the CI component's scripts use, for the real `gh` and `curl` to talk to.

It records every request, serves comments and notes with each forge's own pagination (a
`Link` header with rel="next" for GitHub, `X-Next-Page` for GitLab; the page size is capped
so that a handful of comments spans pages), and answers as the forges do: 403 to a
read-only token's write, 422 to a comment body over GitHub's 65,536 characters, 401 to an
unknown token. Its certificate is made by `trustme`; clients trust `ca_file`."""

from __future__ import annotations

import json
import re
import ssl
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import trustme

GITHUB_LIMIT = 65_536


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: str


@dataclass
class GitHubToken:
    login: str
    can_write: bool = True
    installation: bool = False  # GITHUB_TOKEN: `/user` is refused to it


@dataclass
class GitLabToken:
    id: int
    username: str
    can_write: bool = True  # False: a Guest's token, or one without the api scope


@dataclass
class Forge:
    root: Path
    page_size: int = 2
    requests: list[Request] = field(default_factory=list)
    github_tokens: dict[str, GitHubToken] = field(default_factory=dict)
    comments: dict[tuple[str, int], list[dict]] = field(default_factory=dict)
    gitlab_tokens: dict[str, GitLabToken] = field(default_factory=dict)
    notes: dict[tuple[str, int], list[dict]] = field(default_factory=dict)
    next_id: int = 1000

    def __post_init__(self) -> None:
        ca = trustme.CA()
        self.ca_file = self.root / "forge-ca.pem"
        ca.cert_pem.write_to_path(str(self.ca_file))
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ca.issue_cert("127.0.0.1").configure_cert(context)
        forge = self

        class Handler(_Handler):
            pass

        Handler.forge = forge
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}"
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    # -- seeding -----------------------------------------------------------------------

    def github_comment(self, repo: str, number: int, login: str, body: str) -> dict:
        comment = {
            "id": self.new_id(),
            "body": body,
            "user": {"login": login, "type": "Bot" if login.endswith("[bot]") else "User"},
            "html_url": f"{self.url}/{repo}/pull/{number}#issuecomment-{self.next_id}",
        }
        self.comments.setdefault((repo, number), []).append(comment)
        return comment

    def gitlab_note(self, project: str, iid: int, token: GitLabToken, body: str) -> dict:
        note = {
            "id": self.new_id(),
            "body": body,
            "author": {"id": token.id, "username": token.username},
            "system": False,
        }
        self.notes.setdefault((project, iid), []).append(note)
        return note

    def sent(self, method: str, prefix: str = "") -> list[Request]:
        return [r for r in self.requests if r.method == method and r.path.startswith(prefix)]


_GH = "/api/v3"
_GL = "/api/v4"
ISSUE_COMMENTS = re.compile(rf"^{_GH}/repos/([^/]+/[^/]+)/issues/(\d+)/comments$")
ONE_COMMENT = re.compile(rf"^{_GH}/repos/([^/]+/[^/]+)/issues/comments/(\d+)$")
MR_NOTES = re.compile(rf"^{_GL}/projects/([^/]+)/merge_requests/(\d+)/notes$")
ONE_NOTE = re.compile(rf"^{_GL}/projects/([^/]+)/merge_requests/(\d+)/notes/(\d+)$")


class _Handler(BaseHTTPRequestHandler):
    forge: Forge
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def _record(self) -> Request:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8") if length else ""
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
        request = Request(
            self.command, parts.path, query, {k.lower(): v for k, v in self.headers.items()}, body
        )
        with self.forge.lock:
            self.forge.requests.append(request)
        return request

    def _send(self, status: int, data: object, headers: dict[str, str] | None = None) -> None:
        payload = json.dumps(data).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(payload)))
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(payload)

    def do_GET(self) -> None:
        self._dispatch(self._record())

    def do_POST(self) -> None:
        self._dispatch(self._record())

    def do_PATCH(self) -> None:
        self._dispatch(self._record())

    def do_PUT(self) -> None:
        self._dispatch(self._record())

    def _dispatch(self, r: Request) -> None:
        with self.forge.lock:
            if r.path.startswith(_GH):
                self._github(r)
            elif r.path.startswith(_GL):
                self._gitlab(r)
            else:
                self._send(404, {"message": "Not Found"})

    # -- GitHub ---------------------------------------------------------------------------

    def _github(self, r: Request) -> None:
        auth = r.headers.get("authorization", "")
        token = self.forge.github_tokens.get(auth.split(" ", 1)[-1]) if auth else None
        if token is None:
            return self._send(401, {"message": "Bad credentials"})
        if r.path == f"{_GH}/user" and r.method == "GET":
            if token.installation:
                return self._send(403, {"message": "Resource not accessible by integration"})
            return self._send(200, {"login": token.login, "type": "User"})
        if r.method in ("POST", "PATCH") and not token.can_write:
            return self._send(403, {"message": "Resource not accessible by integration"})
        if m := ISSUE_COMMENTS.match(r.path):
            key = (m.group(1), int(m.group(2)))
            if r.method == "GET":
                return self._github_page(r, self.forge.comments.get(key, []))
            if r.method == "POST":
                body = json.loads(r.body)["body"]
                if len(body) > GITHUB_LIMIT:
                    return self._too_long()
                comment = self.forge.github_comment(key[0], key[1], token.login, body)
                return self._send(201, comment)
        if (m := ONE_COMMENT.match(r.path)) and r.method == "PATCH":
            for comments in self.forge.comments.values():
                for comment in comments:
                    if comment["id"] == int(m.group(2)):
                        body = json.loads(r.body)["body"]
                        if len(body) > GITHUB_LIMIT:
                            return self._too_long()
                        comment["body"] = body
                        return self._send(200, comment)
        return self._send(404, {"message": "Not Found"})

    def _too_long(self) -> None:
        error = {
            "field": "body",
            "code": "custom",
            "message": "body is too long (maximum is 65536 characters)",
        }  # noqa: E501
        self._send(422, {"message": "Validation Failed", "errors": [error]})

    def _github_page(self, r: Request, items: list[dict]) -> None:
        per = min(int(r.query.get("per_page", 30)), self.forge.page_size)
        page = int(r.query.get("page", 1))
        last = max(1, -(-len(items) // per))
        links = []
        if page < last:
            links.append(f'<{self.forge.url}{r.path}?per_page={per}&page={page + 1}>; rel="next"')
            links.append(f'<{self.forge.url}{r.path}?per_page={per}&page={last}>; rel="last"')
        headers = {"Link": ", ".join(links)} if links else {}
        self._send(200, items[(page - 1) * per : page * per], headers)

    # -- GitLab ---------------------------------------------------------------------------

    def _gitlab(self, r: Request) -> None:
        token = self.forge.gitlab_tokens.get(r.headers.get("private-token", ""))
        if token is None:
            return self._send(401, {"message": "401 Unauthorized"})
        if r.path == f"{_GL}/user" and r.method == "GET":
            return self._send(200, {"id": token.id, "username": token.username})
        if r.method in ("POST", "PUT") and not token.can_write:
            return self._send(403, {"message": "403 Forbidden"})
        form = {k: v[-1] for k, v in parse_qs(r.body, keep_blank_values=True).items()}
        if m := MR_NOTES.match(r.path):
            key = (m.group(1), int(m.group(2)))
            if r.method == "GET":
                return self._gitlab_page(r, self.forge.notes.get(key, []))
            if r.method == "POST":
                return self._send(201, self.forge.gitlab_note(key[0], key[1], token, form["body"]))
        if (m := ONE_NOTE.match(r.path)) and r.method == "PUT":
            for note in self.forge.notes.get((m.group(1), int(m.group(2))), []):
                if note["id"] == int(m.group(3)):
                    if note["author"]["id"] != token.id:  # GitLab: only the author edits
                        return self._send(403, {"message": "403 Forbidden"})
                    note["body"] = form["body"]
                    return self._send(200, note)
        return self._send(404, {"message": "404 Not found"})

    def _gitlab_page(self, r: Request, items: list[dict]) -> None:
        per = min(int(r.query.get("per_page", 20)), self.forge.page_size)
        page = int(r.query.get("page", 1))
        pages = max(1, -(-len(items) // per))
        headers = {
            "X-Page": str(page),
            "X-Per-Page": str(per),
            "X-Next-Page": str(page + 1) if page < pages else "",
            "X-Total": str(len(items)),
            "X-Total-Pages": str(pages),
        }
        self._send(200, items[(page - 1) * per : page * per], headers)
