"""A fake Slack for the tests: the Web API and response URLs on loopback, and a sender of
slash commands, button clicks, shortcuts and events signed exactly as Slack signs them.

Nothing of Bolt is mocked: requests go over real sockets to the real WSGI stack (waitress),
and the app's Web API calls and `respond()` posts come back over real sockets to `FakeSlack`.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlencode

from bot.web import Limits, WSGIApp, make_server

TEAM_ID = "T0TEAM"
_EVENT_IDS = itertools.count(1)
# Slack's action_ts differs for each click.
_ACTION_TS = itertools.count(1)
BOT_USER_ID = "U0BOT"
# How long a test waits for something that should happen at once; only a failing test waits.
PATIENCE = 30.0


@dataclass(frozen=True)
class Call:
    """One request the app made to the fake: a Web API method, or a post to a response URL."""

    path: str
    headers: dict[str, str]
    body: dict
    at: float = 0.0  # time.monotonic() when the fake received it

    @property
    def method(self) -> str:
        """The Web API method (`chat.postMessage`), or "" for a response URL."""
        return self.path.removeprefix("/api/") if self.path.startswith("/api/") else ""


@dataclass(frozen=True)
class Reply:
    """What the fake answers: `ok` by default; scripted errors and 429s for some tests."""

    status: int = 200
    body: dict = field(default_factory=lambda: {"ok": True})
    headers: dict[str, str] = field(default_factory=dict)
    # Slack acts on the call but the reply is lost: the connection closes without one.
    drop: bool = False


def lost_reply(*, acted: bool = True) -> Reply:
    """The reply never arrives; Slack acted on the call (as by default) or, with `acted`
    false, never got it."""
    return Reply(drop=True) if acted else Reply(503, {"ok": False, "error": "lost"}, drop=True)


# Time zones the fake's users.info gives; other users have none set in Slack.
TIME_ZONES = {"U0ALICE": "Europe/Paris", "U0BOB": "America/Los_Angeles"}


def direct_channel(user: str) -> str:
    """The id of the fake's direct message channel with `user`."""
    return f"D{user}"


def _default_reply(call: Call, serial: int) -> Reply:
    """What Slack answers a call that succeeds, with the fields the app reads."""
    body = {
        "auth.test": {"team_id": TEAM_ID, "team": "Test team", "user_id": BOT_USER_ID,
                      "user": "papers", "bot_id": "B0BOT", "url": "https://test.slack.com/"},
        "conversations.open": {"channel": {"id": direct_channel(call.body.get("users", ""))}},
        "chat.postMessage": {"channel": call.body.get("channel"),
                             "ts": f"{int(time.time())}.{serial:06d}"},
        "chat.update": {"channel": call.body.get("channel"), "ts": call.body.get("ts")},
        "users.info": {"user": _user(call.body.get("user", ""))},
        "files.completeUploadExternal": {"files": [{"id": "F0FILE"}]},
    }.get(call.method, {})  # fmt: skip
    return Reply(body={"ok": True, **body})


def _user(user: str) -> dict:
    return {"id": user, **({"tz": TIME_ZONES[user]} if user in TIME_ZONES else {})}


class FakeSlack:
    """Slack's Web API under `api_url` and response URLs under `/respond/`, on port 0."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.answers: list[Reply] = []  # what the fake answered each call, in order
        self.latency = 0.0  # seconds the fake takes to answer each call
        # Files' contents by path (`/files/...`), served to GETs as Slack's file server does.
        self.files: dict[str, bytes] = {}
        self._scripts: dict[str, list[Reply]] = {}
        self._changed = threading.Condition()
        self._names = itertools.count(1)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    @property
    def base(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def api_url(self) -> str:
        """What SLACK_API_URL is set to (with the trailing slash WebClient expects)."""
        return f"{self.base}/api/"

    def new_response_url(self) -> str:
        """A fresh response URL, so that a test can wait for the replies to one request."""
        return f"{self.base}/respond/{next(self._names)}"

    def script(self, method: str, *replies: Reply | None) -> None:
        """Answer the next calls of `method` with `replies` (None: as usual), then as usual."""
        self._scripts.setdefault(method, []).extend(replies)

    def calls_to(self, method: str) -> list[Call]:
        with self._changed:
            return [call for call in self.calls if call.method == method]

    def accepted(self, method: str) -> list[Call]:
        """The calls of `method` the fake answered with success."""
        with self._changed:
            pairs = zip(self.calls, self.answers, strict=True)
            return [c for c, r in pairs if c.method == method and r.status == 200 and r.body["ok"]]

    def posted(self) -> list[dict]:
        """What the app posted with chat.postMessage and the fake accepted, each with the
        `ts` the fake gave it, in order."""
        with self._changed:
            pairs = zip(self.calls, self.answers, strict=True)
            return [{**call.body, "ts": reply.body["ts"]} for call, reply in pairs
                    if call.method == "chat.postMessage" and reply.status == 200
                    and reply.body["ok"]]  # fmt: skip

    def replies_to(self, response_url: str) -> list[dict]:
        """What the app posted to `response_url` so far."""
        path = response_url.removeprefix(self.base)
        with self._changed:
            return [call.body for call in self.calls if call.path == path]

    def wait_for_reply(self, response_url: str, count: int = 1) -> list[dict]:
        """Block until the app posted `count` times to `response_url`; return the posts."""
        self.wait_until(lambda: len(self.replies_to(response_url)) >= count)
        return self.replies_to(response_url)

    def wait_until(self, condition: Callable[[], bool]) -> None:
        """Block until `condition` holds: checked at each call the fake gets, and every
        50 ms for what the app does without calling Slack (a row it writes, say)."""
        deadline = time.monotonic() + PATIENCE
        with self._changed:
            while not condition():
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"the fake Slack saw no such call; calls: {self.calls}")
                self._changed.wait(min(left, 0.05))

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _record(self, call: Call) -> Reply:
        with self._changed:
            self.calls.append(call)
            self._changed.notify_all()
            script = self._scripts.get(call.method)
            scripted = script.pop(0) if script else None
            reply = _default_reply(call, len(self.calls))
            if call.method in ("conversations.history", "conversations.replies"):
                reply = Reply(body={"ok": True, "messages": self._history(call.body)})
            if call.method == "files.getUploadURLExternal":
                upload = f"{self.base}/upload/{len(self.calls)}"
                reply = Reply(body={"ok": True, "upload_url": upload, "file_id": "F0FILE"})
            if scripted is not None and scripted.drop and scripted.body["ok"]:
                reply = replace(reply, drop=True)
            elif scripted is not None:
                reply = scripted
            self.answers.append(reply)
            return reply

    def _history(self, query: dict) -> list[dict]:
        """What conversations.history lists: the messages the fake accepted in the channel
        at or after `oldest`, newest first, with their metadata if asked for; a thread's
        replies are not among them (unless broadcast), as in Slack. What
        conversations.replies lists (`query` has the thread's `ts`): that thread's parent
        and replies at or after `oldest`, oldest first."""
        metadata = str(query.get("include_all_metadata")).lower() in ("true", "1")
        thread = query.get("ts")
        messages = []
        for call, reply in zip(self.calls, self.answers, strict=False):
            posted = call.method == "chat.postMessage" and reply.status == 200 and reply.body["ok"]
            if not posted or call.body.get("channel") != query.get("channel"):
                continue
            ts, parent = reply.body["ts"], call.body.get("thread_ts")
            broadcast = str(call.body.get("reply_broadcast")).lower() in ("true", "1")
            listed = thread in (ts, parent) if thread else parent is None or broadcast
            if not listed or float(ts) < float(query.get("oldest") or 0):
                continue
            message = {"type": "message", "ts": ts, "text": call.body.get("text", "")}
            if parent is not None:
                message["thread_ts"] = parent
            if metadata and "metadata" in call.body:
                message["metadata"] = call.body["metadata"]
            messages.append(message)
        return messages if thread else messages[::-1]

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                path, _, query = self.path.partition("?")
                headers = {key.lower(): value for key, value in self.headers.items()}
                self._answer(Call(path, headers, dict(parse_qsl(query)), time.monotonic()))

            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                headers = {key.lower(): value for key, value in self.headers.items()}
                # A file's bytes, posted to the upload URL files.getUploadURLExternal gave.
                uploaded = self.path.startswith("/upload/")
                body = {"content": raw.decode()} if uploaded else _parse_body(raw, headers)
                self._answer(Call(self.path, headers, body, time.monotonic()))

            def _answer(self, call: Call) -> None:
                reply = fake._record(call)
                time.sleep(fake.latency)
                if reply.drop:
                    self.close_connection = True
                    return
                data = fake.files.get(call.path) if self.command == "GET" else None
                kind = "application/octet-stream" if data is not None else "application/json"
                data = json.dumps(reply.body).encode() if data is None else data
                self.send_response(reply.status)
                for key, value in {"Content-Type": kind, **reply.headers}.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass  # keep test output to what matters

        return Handler


def _parse_body(raw: bytes, headers: dict[str, str]) -> dict:
    if headers.get("content-type", "").startswith("application/json"):
        return json.loads(raw or b"{}")
    return dict(parse_qsl(raw.decode()))


def signature(secret: str, timestamp: int, body: str) -> str:
    """Slack's v0 signature: HMAC-SHA256 of `v0:{timestamp}:{body}` with the signing secret."""
    base = f"v0:{timestamp}:{body}".encode()
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Answer:
    """The app's HTTP answer to one request, and the response URL its replies go to."""

    status: int
    body: str
    response_url: str


class SlackSender:
    """Sends what Slack sends: signed slash commands and button clicks, as form posts."""

    def __init__(self, url: str, secret: str, fake: FakeSlack) -> None:
        self.url = url
        self.secret = secret
        self.fake = fake

    def command(
        self, text: str, *, user: str = "U0ALICE", channel: str = "C0GENERAL", **signing
    ) -> Answer:
        """`/papers text` as `user` typed it in `channel`."""
        response_url = self.fake.new_response_url()
        form = {
            "token": "verification-token-unused",
            "team_id": TEAM_ID,
            "team_domain": "test",
            "channel_id": channel,
            "channel_name": "directmessage" if channel.startswith("D") else "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/papers",
            "text": text,
            "api_app_id": "A0PAPERS",
            "is_enterprise_install": "false",
            "response_url": response_url,
            "trigger_id": "1.2.3",
        }
        return self.post(urlencode(form), response_url, **signing)

    def click(self, action_id: str, value: str, *, user: str = "U0ALICE", **signing) -> Answer:
        """A click on a button of an ephemeral message the app sent to `user`."""
        container = {"type": "message", "channel_id": "C0GENERAL", "is_ephemeral": True}
        return self._block_actions(action_id, value, user, container, {}, **signing)

    def click_in_message(
        self, action_id: str, value: str, *, message: dict, user: str = "U0ALICE"
    ) -> Answer:
        """A click on a button of a message the app posted: `message` is what it posted,
        with the `channel` and `ts` Slack gave it."""
        container = {"type": "message", "message_ts": message["ts"],
                     "channel_id": message["channel"], "is_ephemeral": False}  # fmt: skip
        if "thread_ts" in message:  # a reply in a thread, as a digest's pick
            container["thread_ts"] = message["thread_ts"]
        block_id = _block_of(message, action_id, value)
        extra = {"message": {"type": "message", "user": BOT_USER_ID, **message},
                 "channel": {"id": message["channel"], "name": "directmessage"}}  # fmt: skip
        return self._block_actions(action_id, value, user, container, extra, block_id=block_id)

    def click_in_reply(
        self, action_id: str, value: str, *, reply: dict, user: str = "U0ALICE"
    ) -> Answer:
        """A click on a button of `reply`, an ephemeral message the app sent to `user`
        (Slack sends no copy of an ephemeral message with the click)."""
        container = {"type": "message", "channel_id": "C0GENERAL", "is_ephemeral": True}
        block_id = _block_of(reply, action_id, value)
        return self._block_actions(action_id, value, user, container, {}, block_id=block_id)

    def click_home(self, action_id: str, value: str, *, user: str = "U0ALICE") -> Answer:
        """A click on a button of `user`'s App Home tab (no response URL there)."""
        container = {"type": "view", "view_id": "V0HOME"}
        extra = {"view": {"id": "V0HOME", "type": "home", "team_id": TEAM_ID, "blocks": []}}
        return self._block_actions(action_id, value, user, container, extra, response_url="")

    def click_in_unfurl(
        self, action_id: str, value: str, *, url: str, user: str = "U0ALICE"
    ) -> Answer:
        """A click on a button of the card a link `url` unfurled into, in a channel."""
        container = {"type": "message_attachment", "message_ts": "1700000000.000300",
                     "attachment_id": 1, "channel_id": "C0GENERAL", "is_ephemeral": False,
                     "is_app_unfurl": True, "app_unfurl_url": url}  # fmt: skip
        return self._block_actions(action_id, value, user, container, {})

    def message_shortcut(
        self,
        callback_id: str,
        text: str,
        *,
        user: str = "U0ALICE",
        channel: str = "C0GENERAL",
        author: str = "U0BOB",
    ) -> Answer:
        """`user` picks the message shortcut `callback_id` on a message of `author` saying
        `text` (Slack's markup) in `channel`."""
        response_url = self.fake.new_response_url()
        ts = "1700000000.000200"
        payload = {
            "type": "message_action",
            "callback_id": callback_id,
            "trigger_id": "1.2.5",
            "response_url": response_url,
            "team": {"id": TEAM_ID, "domain": "test"},
            "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
            "channel": {"id": channel, "name": "general"},
            "message": {"type": "message", "user": author, "ts": ts, "text": text},
            "message_ts": ts,
            "action_ts": "1700000000.000201",
            "api_app_id": "A0PAPERS",
            "token": "verification-token-unused",
        }
        return self.post(urlencode({"payload": json.dumps(payload)}), response_url)

    def global_shortcut(self, callback_id: str, *, user: str = "U0ALICE") -> Answer:
        """`user` picks the global shortcut `callback_id` (from the composer's shortcuts)."""
        payload = {
            "type": "shortcut",
            "callback_id": callback_id,
            "trigger_id": "1.2.6",
            "team": {"id": TEAM_ID, "domain": "test"},
            "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
            "action_ts": "1700000000.000202",
            "api_app_id": "A0PAPERS",
            "token": "verification-token-unused",
        }
        return self.post(urlencode({"payload": json.dumps(payload)}))

    def submit(self, view: dict, values: dict, *, user: str = "U0ALICE") -> Answer:
        """`user` submits the modal `view` (as the app opened it) filled with `values`."""
        payload = {
            "type": "view_submission",
            "team": {"id": TEAM_ID, "domain": "test"},
            "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
            "api_app_id": "A0PAPERS",
            "token": "verification-token-unused",
            "trigger_id": "1.2.4",
            "view": {**view, "id": "V0MODAL", "team_id": TEAM_ID, "state": {"values": values}},
        }
        return self.post(urlencode({"payload": json.dumps(payload)}))

    def event(
        self, event: dict, *, event_id: str | None = None, retry: int | None = None
    ) -> Answer:
        """An Events API delivery of `event`, as JSON; Slack's `retry`-th retry of `event_id`."""
        body = event_body(event, event_id)
        retried = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        headers = retried if retry else {}
        return self.post(json.dumps(body), content_type="application/json", headers=headers)

    def _block_actions(
        self,
        action_id: str,
        value: str,
        user: str,
        container: dict,
        extra: dict,
        *,
        block_id: str = "b1",
        response_url: str | None = None,
        **signing,
    ) -> Answer:
        response_url = self.fake.new_response_url() if response_url is None else response_url
        payload = {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "team_id": TEAM_ID},
            "api_app_id": "A0PAPERS",
            "token": "verification-token-unused",
            "container": container,
            "trigger_id": "1.2.3",
            "team": {"id": TEAM_ID, "domain": "test"},
            "channel": {"id": "C0GENERAL", "name": "general"},
            "response_url": response_url,
            "actions": [
                {
                    "type": "button",
                    "action_id": action_id,
                    "block_id": block_id,
                    "value": value,
                    "action_ts": f"1700000000.{next(_ACTION_TS):06d}",
                }
            ],
            **extra,
        }
        if not response_url:
            del payload["response_url"], payload["channel"]
        return self.post(urlencode({"payload": json.dumps(payload)}), response_url, **signing)

    def post(
        self,
        body: str,
        response_url: str = "",
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        content_type: str = "application/x-www-form-urlencoded",
        headers: dict[str, str] | None = None,
    ) -> Answer:
        """POST `body` signed with `secret` (default: the app's) at `timestamp` (default: now),
        with more `headers` if given."""
        timestamp = int(time.time()) if timestamp is None else timestamp
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": str(timestamp),
            "X-Slack-Signature": signature(secret or self.secret, timestamp, body),
            **(headers or {}),
        }
        request = urllib.request.Request(
            f"{self.url}/slack/events", data=body.encode(), headers=headers, method="POST"
        )
        try:
            with urllib.request.urlopen(request, timeout=PATIENCE) as response:
                return Answer(response.status, response.read().decode(), response_url)
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read().decode(), response_url)


def event_body(event: dict, event_id: str | None = None) -> dict:
    """The Events API's envelope of `event` (a new `event_id` unless given)."""
    return {
        "token": "verification-token-unused",
        "team_id": TEAM_ID,
        "api_app_id": "A0PAPERS",
        "event": event,
        "type": "event_callback",
        "event_id": event_id or f"Ev{next(_EVENT_IDS):08d}",
        "event_time": int(time.time()),
        "authorizations": [{"team_id": TEAM_ID, "user_id": BOT_USER_ID, "is_bot": True}],
    }


def _block_of(message: dict, action_id: str, value: str) -> str:
    """The block id of the button of `message` with this action id and value (Slack makes
    one up for a block sent without)."""
    return next(
        block.get("block_id", "slack-made")
        for block in message["blocks"]
        for element in [*block.get("elements", []), block.get("accessory") or {}]
        if element.get("action_id") == action_id and element.get("value") == value
    )


@contextmanager
def serving(application: WSGIApp, limits: Limits | None = None) -> Iterator[str]:
    """Run `application` under waitress on a free loopback port; yield its base URL."""
    server = make_server(application, host="127.0.0.1", port=0, limits=limits or Limits())
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        # Closed from the server's own thread: closing its sockets from here, under its
        # running select(), would make its loop fail.
        try:
            server.trigger.pull_trigger(server.close)
        except OSError:
            # The trigger's pipe is already closed: the loop has stopped, so close directly.
            server.close()
        thread.join(PATIENCE)
        server.task_dispatcher.shutdown()
