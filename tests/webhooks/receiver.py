"""A bot program for the end-to-end tests: it receives Switchboard's
webhook deliveries, verifies each with the Standard Webhooks reference
library, and answers visitor messages through Switchboard's bot API.

It prints the port it listens on, then serves until killed.

  POST /configure  {"secret", "bot_key", "api_base", "fail": N, "fail_status": S,
                    "retry_after": seconds or null, "fail_only": event type, "gone": bool}
                   the next N deliveries (of that type) are answered S (with Retry-After);
                   with "gone", every delivery is answered 410
  POST /hook       a delivery
  GET  /received   every delivery received so far, as JSON
"""

import json
import sys
import threading
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from standardwebhooks.webhooks import Webhook, WebhookVerificationError

state = {"config": {}, "received": []}
lock = threading.Lock()


def reply(config, conversation, text):
    request = urllib.request.Request(
        config["api_base"] + "/api/v1/bot/conversations/" + conversation + "/messages",
        data=json.dumps({"text": "Got: " + text}).encode(),
        headers={
            "content-type": "application/json",
            "authorization": "Bearer " + config["bot_key"],
        },
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        answer.read()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def answer(self, status, body=b"", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        with lock:
            body = json.dumps(state["received"]).encode()
        self.answer(200, body, [("content-type", "application/json")])

    def do_POST(self):
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length)
        if self.path == "/configure":
            with lock:
                state["config"] = json.loads(body)
            return self.answer(204)
        with lock:
            config = dict(state["config"])
        headers = {name.lower(): value for name, value in self.headers.items()}
        try:
            event = Webhook(config.get("secret", "")).verify(body, headers)
            verified = True
        except (WebhookVerificationError, ValueError) as error:
            event, verified = None, False
            print("verification failed:", error, file=sys.stderr, flush=True)
        record = {
            "verified": verified,
            "id": headers.get("webhook-id"),
            "authorization": headers.get("authorization"),
            "via": headers.get("via"),
            "event": event,
        }
        only = config.get("fail_only")
        counts = verified and (only is None or (event or {}).get("type") == only)
        with lock:
            state["received"].append(record)
            failing = counts and state["config"].get("fail", 0) > 0
            if failing:
                state["config"]["fail"] -= 1
        if not verified:
            return self.answer(400, b"bad signature")
        if config.get("gone"):
            return self.answer(410, b"gone")
        if failing:
            extra = []
            if config.get("retry_after") is not None:
                extra.append(("retry-after", str(config["retry_after"])))
            return self.answer(config.get("fail_status", 500), b"not now", extra)
        self.answer(200, b"ok")
        if event and event.get("type") == "message.created":
            data = event["data"]
            if data["message"]["author"] == "visitor" and config.get("bot_key"):
                threading.Thread(
                    target=reply,
                    args=(config, data["conversation"]["id"], data["message"]["text"]),
                    daemon=True,
                ).start()


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(server.server_address[1], flush=True)
server.serve_forever()
