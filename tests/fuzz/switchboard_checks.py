"""Schemathesis hooks for Switchboard's API fuzz test (tests/tests/api_fuzz.rs).

One check beyond schemathesis' own: a request the server refuses (any 4xx or
5xx answer) leaves the stored settings exactly as they were. The store is read
from the server's JSON file (SWITCHBOARD_STORE_FILE) before and after every
call; the audit log lives elsewhere (refused sign-ins are meant to be logged),
and an API key's `last_used_at` is bookkeeping the server updates on use.
"""

import json
import os

import schemathesis

STORE_FILE = os.environ["SWITCHBOARD_STORE_FILE"]

# The stored settings before and after each call, by case id (recorded by the
# hooks, so a check that schemathesis runs again on a replay sees the same pair).
_around = {}


def _stored_settings():
    with open(STORE_FILE, "rb") as f:
        document = json.load(f)
    for key in document.get("api_keys", {}).values():
        key.pop("last_used_at", None)
    return document


@schemathesis.hook
def before_call(context, case, kwargs):
    _around[case.id] = (_stored_settings(), None)


@schemathesis.hook
def after_call(context, case, response):
    before, _ = _around.get(case.id, (None, None))
    _around[case.id] = (before, _stored_settings())


@schemathesis.check
def store_unchanged_by_refusals(ctx, response, case):
    """A refused request changes nothing that is stored."""
    if response.status_code < 400:
        return True
    before, after = _around.get(case.id, (None, None))
    if before is None or after is None:
        raise AssertionError("the store was not read around this call")
    if after != before:
        changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
        raise AssertionError(
            f"the server answered {response.status_code}, yet the stored {', '.join(changed)} changed"
        )
    return True


@schemathesis.check
class EveryOperationSucceeds:
    """Every operation answered 2xx at least once, except those named in
    SWITCHBOARD_REFUSED_OPERATIONS (e.g. what an API key may not do): a run
    whose requests were all refused (a broken key, an exhausted throttle)
    tested nothing behind the refusal and must not pass."""

    def __init__(self):
        self.expected_refused = {
            label.strip()
            for label in os.environ.get("SWITCHBOARD_REFUSED_OPERATIONS", "").split(",")
            if label.strip()
        }
        # What succeeds only when the run's stateful phase links responses
        # (a conversation a try started, a delivery it queued): either way.
        self.either = {
            label.strip()
            for label in os.environ.get("SWITCHBOARD_EITHER_OPERATIONS", "").split(",")
            if label.strip()
        }
        self.tested = set()
        self.succeeded = set()

    def after_response(self, ctx, response, case):
        label = case.operation.label
        self.tested.add(label)
        if 200 <= response.status_code < 300:
            self.succeeded.add(label)

    def after_run(self, ctx):
        never = self.tested - self.succeeded - self.expected_refused - self.either
        if never:
            raise AssertionError("never answered 2xx: " + ", ".join(sorted(never)))
        unexpected = self.succeeded & self.expected_refused
        if unexpected:
            raise AssertionError("answered 2xx though expected to refuse: " + ", ".join(sorted(unexpected)))
        if not self.tested:
            raise AssertionError("no operation was tested")


# Answers that say another service failed, not this server: documented per
# operation (a chatbot's model or webhook that cannot be reached from the
# test machine, which has no network), so a 5xx with one of these codes is
# the answer working, not a fault.
UPSTREAM_CODES = {
    "model_unauthorized", "model_not_found", "model_quota_exceeded", "model_rejected",
    "model_unavailable", "egress_refused", "model_busy", "model_rate_limited", "model_timeout",
}


@schemathesis.check
def no_server_fault(ctx, response, case):
    """No 5xx, except an upstream failure named by its code (502/503/504)."""
    if response.status_code < 500:
        return True
    if response.status_code in (502, 503, 504):
        try:
            code = json.loads(response.content)["error"]["code"]
        except (ValueError, KeyError, TypeError):
            code = None
        if code in UPSTREAM_CODES:
            return True
    raise AssertionError(f"server error {response.status_code}: {response.content[:300]!r}")
