#!/usr/bin/env python3
"""Verify a readiness-ledger export (.jsonl) without the readiness program.

Usage: python3 tools/verify_ledger.py FILE.jsonl
Prints "ok N HASH" and exits 0, or "FAILED at entry N: CHECK check: reason" for the first
bad entry and exits 1.

Written from FORMAT.md alone. For each line, in order, the checks its "Verifying" section
names: canonical form, entry shape, seq, hash, link, time order, not in the future, event
schema ("Events", "Evidence", "Sign-offs"), then the plan's rules as they stood before the
entry, folded in order: the plan is created first and once; areas, actions and reviews
exist and are not added twice; a status is in the plan's scale; key ids, registration and
revocation; and every sign-off rule of "Sign-offs" (key registered and not revoked, its
role, the status shown, no repeated signature, no version 1 after version 2, the head it
names, the Ed25519 signature, strict). The fold does not re-derive every rule of
corrections and amendments (which value a correction supersedes, say): a ledger breaking
only those passes here and fails `readiness verify`. tests/vectors/ holds forged ledgers
for every check; this script must reach readiness's verdict on each (tests/vectors.rs).

Signatures need the `cryptography` package. Without it a warning is printed and the
signature arithmetic alone is skipped; every other check still runs.
"""
import datetime
import hashlib
import json
import re
import sys

try:
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
except ImportError:  # signatures are then not checked; see verify_signature
    Ed25519PublicKey = None

ZERO = "0" * 64
ENTRY_MEMBERS = {"seq", "recorded_at", "actor", "event", "prev", "hash"}
MAX_INTEGER = 2**53 - 1
FUTURE_SKEW = datetime.timedelta(minutes=5)
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z\Z")
HEX64 = re.compile(r"[0-9a-f]{64}\Z")
SIGN_OFF_CONTEXT = b"readiness-ledger sign-off v2\n"

# Members of each event type besides `type` and `v`: (required, optional).
EVENTS = {
    "plan_created": ({"title", "origin", "scale"}, set()),
    "area_added": ({"id", "title"}, {"finding"}),
    "action_added": (
        {"id", "area", "action"},
        {"outcome", "start", "end", "lead", "measures", "evidence_impact"},
    ),
    "action_amended": ({"id", "changes", "reason"}, {"from"}),
    "review_scheduled": ({"label", "date"}, set()),
    "status_recorded": ({"action", "review", "status"}, {"note"}),
    "source_imported": ({"file_name", "sha256", "format", "entries"}, {"warnings"}),
    "correction": ({"target", "action", "reason"}, {"review", "status", "note", "changes"}),
    "action_withdrawn": ({"id", "reason"}, {"from"}),
    "review_rescheduled": ({"label", "reason"}, {"new_label", "date"}),
    "evidence_attached": (
        {"action", "sha256", "file_name", "size", "media_type"},
        {"review", "note"},
    ),
    "evidence_redacted": ({"sha256", "reason"}, set()),
    "key_registered": ({"name", "key_id", "public_key", "role"}, set()),
    "key_revoked": ({"key_id", "reason"}, set()),
    "signed_off": (
        {"action", "review", "status", "key_id", "role", "head_seq", "head_hash", "signature"},
        {"statement"},
    ),
}
NEWEST_VERSION = {"signed_off": 2}  # every other type is at version 1
INTEGER_MEMBERS = {"entries", "target", "size", "head_seq"}
AMENDABLE = {"outcome", "action", "start", "end", "lead", "measures", "evidence_impact"}
RAG = {"red", "amber", "green", "blue"}
# The encodings of Ed25519's eight small-order points, sign bit cleared (y = 0, 1, p - 1,
# the two of order 8, and the non-canonical p and p + 1). Strict verification refuses a
# public key or an R among them: with one, a signature can pass for any message.
SMALL_ORDER = {
    bytes.fromhex(h)
    for h in (
        "0000000000000000000000000000000000000000000000000000000000000000",
        "0100000000000000000000000000000000000000000000000000000000000000",
        "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",
        "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
        "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
        "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",
    )
}


class Failure(Exception):
    def __init__(self, check, reason):
        super().__init__(reason)
        self.check = check
        self.reason = reason


# Canonical JSON (RFC 8785 as entries use it)


def canonical(value):
    """The canonical JSON bytes of a parsed value."""
    return write(value).encode("utf-8")


def write(value):
    if isinstance(value, dict):
        # Members sorted by the UTF-16 code units of their keys.
        keys = sorted(value, key=lambda k: k.encode("utf-16-be"))
        return "{" + ",".join(write(k) + ":" + write(value[k]) for k in keys) + "}"
    if isinstance(value, list):
        return "[" + ",".join(write(v) for v in value) + "]"
    if isinstance(value, str):
        # Python writes strings as JSON.stringify does: \" \\ \b \t \n \f \r, \u00xx in
        # lowercase for other controls, everything else (/, DEL, non-ASCII) as itself.
        return json.dumps(value, ensure_ascii=False)
    if value is True or value is False or value is None:
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    raise ValueError(f"{type(value).__name__} is not an entry value")


def reject_float(text):
    raise Failure("canonical form", f"{text} is a fraction or exponent: entries hold integers only")


def reject_constant(text):
    raise Failure("canonical form", f"{text} is not JSON")


def object_without_duplicates(pairs):
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        twice = next(k for k in keys if keys.count(k) > 1)
        raise Failure("canonical form", f"key {twice!r} twice: readers disagree on what it says")
    return dict(pairs)


def check_integers(value):
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list):
        for v in value:
            check_integers(v)
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_INTEGER:
        raise Failure("canonical form", f"the integer {value} is beyond ±(2^53 − 1)")


def parse_canonical(line):
    """Step 1: the line parses, and writing it canonically gives the same bytes."""
    try:
        text = line.decode("utf-8")
        value = json.loads(
            text,
            object_pairs_hook=object_without_duplicates,
            parse_float=reject_float,
            parse_constant=reject_constant,
        )
        check_integers(value)
        again = canonical(value)
    except (ValueError, UnicodeError) as e:
        raise Failure("canonical form", f"not JSON in canonical form: {e}")
    if again != line:
        raise Failure("canonical form", "not canonical (key order, whitespace or string escapes)")
    return value


# The entry and its event


def check_shape(entry):
    if not isinstance(entry, dict) or set(entry) != ENTRY_MEMBERS:
        members = sorted(entry) if isinstance(entry, dict) else type(entry).__name__
        raise Failure("entry shape", f"members are {members}, not {sorted(ENTRY_MEMBERS)}")
    if not is_integer(entry["seq"]) or entry["seq"] < 1:
        raise Failure("entry shape", "seq is not a whole number from 1")
    if not isinstance(entry["recorded_at"], str) or not TIMESTAMP.match(entry["recorded_at"]):
        raise Failure("entry shape", "recorded_at is not of the form YYYY-MM-DDTHH:MM:SS.ffffffZ")
    if not isinstance(entry["actor"], str) or not entry["actor"].strip():
        raise Failure("entry shape", "the actor is empty or not a string")
    if not isinstance(entry["event"], dict):
        raise Failure("entry shape", "the event is not an object")
    for member in ("prev", "hash"):
        if not isinstance(entry[member], str) or not HEX64.match(entry[member]):
            raise Failure("entry shape", f"{member} is not 64 lowercase hex digits")


def is_integer(v):
    return isinstance(v, int) and not isinstance(v, bool)


def member_type_ok(name, value):
    if name in INTEGER_MEMBERS:
        return is_integer(value) and value >= 0
    if name == "changes":
        return isinstance(value, dict) and all(isinstance(v, str) for v in value.values())
    if name == "warnings":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if name == "scale":
        return isinstance(value, list) and all(
            isinstance(s, dict)
            and set(s) == {"name", "rag"}
            and isinstance(s["name"], str)
            and s["rag"] in RAG
            for s in value
        )
    return isinstance(value, str)


def check_event_schema(event):
    kind = event.get("type")
    if kind not in EVENTS:
        raise Failure("event schema", f"unknown event type {kind!r}")
    version = event.get("v")
    if not is_integer(version) or not 1 <= version <= NEWEST_VERSION.get(kind, 1):
        raise Failure("event schema", f"{kind} has no version {version!r}")
    required, optional = EVENTS[kind]
    members = set(event) - {"type", "v"}
    if not required <= members or not members <= required | optional:
        raise Failure(
            "event schema",
            f"{kind} has members {sorted(members)}; "
            f"it needs {sorted(required)} and may have {sorted(optional)}",
        )
    for name in members:
        if not member_type_ok(name, event[name]):
            raise Failure("event schema", f"{kind} member {name} has the wrong type")


# The plan, folded entry by entry


def valid_date(text):
    try:
        return datetime.date.fromisoformat(text).isoformat() == text and len(text) == 10
    except ValueError:
        return False


def rule(condition, reason, check="plan rules"):
    if not condition:
        raise Failure(check, reason)


class Plan:
    def __init__(self):
        self.origin = None
        self.scale = []
        self.areas = set()
        self.actions = {}  # id -> None, or its withdrawal: (from label or None, day recorded)
        self.reviews = []  # labels, in order
        self.dated = {}  # label -> (date, seq of its review_scheduled)
        self.shown = {}  # (action, review) -> [status, seq of the entry that set it]
        self.imports = set()
        self.evidence = {}  # sha256 -> redacted?
        self.keys = {}  # key_id -> {"public_key", "role", "revoked"}
        self.signatures = set()
        self.signoff_version = 0
        self.hashes = []  # hash of entry 1, 2, ...

    def open_action(self, action, at=None):
        """An action not withdrawn at review `at`; for None, with no withdrawal at all."""
        rule(action in self.actions, f"unknown action {action!r}")
        withdrawal = self.actions[action]
        if withdrawal is None:
            return
        rule(at is not None and not self.holds_at(withdrawal, at), f"action {action!r} was withdrawn")

    def holds_at(self, change, label):
        """FORMAT.md: a change holds from its `from` review, or without one from the first
        review dated after the day it was recorded."""
        start, day = change
        if start is not None and start in self.dated:
            return self.dated[label] >= self.dated[start]
        return self.dated[label][0] > day

    def known_from(self, e):
        if "from" in e:
            self.known_review(e["from"])

    def known_review(self, label):
        rule(label in self.reviews, f"unknown review {label!r}")

    def in_scale(self, status):
        rule(status in self.scale, f"status {status!r} is not in the plan's scale")

    def apply(self, seq, event, recorded_at=""):
        """Checks `event` (entry `seq`) against the plan as it stands, then folds it in."""
        kind = event["type"]
        if kind == "plan_created":
            rule(self.origin is None, "the ledger already has a plan; a ledger holds exactly one")
            rule(event["title"].strip() and event["origin"].strip(), "empty plan title or origin")
            names = [s["name"] for s in event["scale"]]
            rule(names and len(set(names)) == len(names), "the scale is empty or repeats a status")
            self.origin, self.scale = event["origin"], names
            return
        rule(self.origin is not None, "the first entry must create the plan")
        self.day = recorded_at[:10]
        getattr(self, kind)(seq, event)

    def area_added(self, seq, e):
        rule(e["id"].strip() and e["title"].strip(), "the area id and title must not be empty")
        rule(e["id"] not in self.areas, f"area {e['id']!r} already exists")
        self.areas.add(e["id"])

    def action_added(self, seq, e):
        rule(e["id"].strip() and e["action"].strip(), "the action id and text must not be empty")
        rule(e["id"] not in self.actions, f"action {e['id']!r} already exists")
        rule(e["area"] in self.areas, f"unknown area {e['area']!r}")
        self.actions[e["id"]] = None

    def action_amended(self, seq, e):
        self.open_action(e["id"])
        self.known_from(e)
        rule(e["changes"] and set(e["changes"]) <= AMENDABLE, "no amendable field is changed")

    def review_scheduled(self, seq, e):
        rule(e["label"].strip(), "the review label must not be empty")
        rule(valid_date(e["date"]), f"review date {e['date']!r} is not YYYY-MM-DD")
        taken = any(r.lower() == e["label"].lower() for r in self.reviews)
        rule(not taken, f"a review labelled {e['label']!r} already exists")
        self.reviews.append(e["label"])
        self.dated[e["label"]] = (e["date"], seq)

    def status_recorded(self, seq, e):
        rule(e["action"] in self.actions, f"unknown action {e['action']!r}")
        self.known_review(e["review"])
        self.open_action(e["action"], e["review"])
        self.in_scale(e["status"])
        self.shown[(e["action"], e["review"])] = [e["status"], seq]

    def correction(self, seq, e):
        rule(e["action"] in self.actions, f"unknown action {e['action']!r}")
        if "review" not in e:
            return  # amendment and evidence corrections: not checked here
        shown = self.shown.get((e["action"], e["review"]))
        rule(shown is not None, f"{e['action']} has no status at {e['review']!r} to correct")
        rule(shown[1] == e["target"], f"entry {e['target']} no longer sets the status shown")
        if "status" in e:
            self.in_scale(e["status"])
            shown[0] = e["status"]
        shown[1] = seq

    def action_withdrawn(self, seq, e):
        self.open_action(e["id"])
        self.known_from(e)
        self.actions[e["id"]] = (e.get("from"), self.day)

    def review_rescheduled(self, seq, e):
        self.known_review(e["label"])
        rule("new_label" in e or "date" in e, "the reschedule changes nothing")
        rule("date" not in e or valid_date(e["date"]), "the new date is not YYYY-MM-DD")
        if "date" in e:
            self.dated[e["label"]] = (e["date"], self.dated[e["label"]][1])
        new = e.get("new_label")
        if new is not None:
            taken = any(r != e["label"] and r.lower() == new.lower() for r in self.reviews)
            rule(new.strip() and not taken, f"review label {new!r} is empty or taken")
            self.reviews[self.reviews.index(e["label"])] = new
            self.dated[new] = self.dated.pop(e["label"])
            for action, w in self.actions.items():
                if w is not None and w[0] == e["label"]:
                    self.actions[action] = (new, w[1])
            for (action, review) in list(self.shown):
                if review == e["label"]:
                    self.shown[(action, new)] = self.shown.pop((action, review))

    def source_imported(self, seq, e):
        rule(e["sha256"] not in self.imports, f"{e['file_name']} was already imported")
        self.imports.add(e["sha256"])

    def evidence_attached(self, seq, e):
        review = e.get("review")
        self.open_action(e["action"], review if review in self.dated else None)
        if "review" in e:
            self.known_review(e["review"])
        rule(HEX64.match(e["sha256"]), "evidence sha256 is not 64 lowercase hex digits")
        rule(self.evidence.get(e["sha256"]) is not True, "redacted content is attached again")
        self.evidence.setdefault(e["sha256"], False)

    def evidence_redacted(self, seq, e):
        attached = self.evidence.get(e["sha256"]) is False
        rule(attached, f"no unredacted evidence {e['sha256']} is attached")
        self.evidence[e["sha256"]] = True

    def key_registered(self, seq, e):
        rule(HEX64.match(e["public_key"]), "the public key is not 64 hex digits", "key ids")
        key_id = hashlib.sha256(bytes.fromhex(e["public_key"])).hexdigest()
        rule(e["key_id"] == key_id, "key_id is not the SHA-256 of the public key", "key ids")
        rule(e["key_id"] not in self.keys, f"key {e['key_id']} is already registered", "key ids")
        self.keys[e["key_id"]] = {"public_key": e["public_key"], "role": e["role"], "revoked": None}

    def key_revoked(self, seq, e):
        key = self.keys.get(e["key_id"])
        rule(key is not None, f"no key {e['key_id']} is registered", "key ids")
        rule(key["revoked"] is None, f"key {e['key_id']} was already revoked", "key ids")
        key["revoked"] = seq

    def signed_off(self, seq, e):
        def refuse(condition, reason, check="signatures"):
            rule(condition, f"sign-off refused: {reason}", check)

        version = e["v"]
        refuse(version >= self.signoff_version, f"a version {version} sign-off after a newer one")
        shown = self.shown.get((e["action"], e["review"]))
        refuse(shown is not None, f"{e['action']} has no status at {e['review']!r} to sign")
        repeated = e["signature"] in self.signatures
        refuse(not repeated, "it repeats an earlier sign-off's signature", "no repeated sign-off")
        refuse(
            shown[0] == e["status"],
            f"the status signed ({e['status']!r}) is not the status shown ({shown[0]!r})",
            "signed status shown",
        )
        key = self.keys.get(e["key_id"])
        refuse(key is not None, f"key {e['key_id']} is not registered")
        refuse(key["revoked"] is None, f"key {e['key_id']} was revoked at entry {key['revoked']}")
        refuse(key["role"] == e["role"], f"the role {e['role']!r} is not the key's role")
        head = e["head_seq"]
        refuse(1 <= head < seq, f"it names head {head}, not an entry before it")
        refuse(verify_signature(self.origin, key, e), "the signature does not match")
        # The head it names: entry head_seq has hash head_hash.
        named = self.hashes[head - 1]
        rule(named == e["head_hash"], f"entry {head} is not the head it names", "sign-off heads")
        self.signatures.add(e["signature"])
        self.signoff_version = max(self.signoff_version, e["v"])


def verify_signature(origin, key, e):
    """Ed25519 (RFC 8032) over the bytes FORMAT.md's "What is signed" gives for e's version."""
    if Ed25519PublicKey is None:
        return True  # warned about in main
    body = {m: e[m] for m in e if m not in ("signature", "type", "v")}
    body["origin"] = origin
    message = canonical(body)
    if e["v"] >= 2:
        message = SIGN_OFF_CONTEXT + message
    try:
        public_key = bytes.fromhex(key["public_key"])
        signature = bytes.fromhex(e["signature"])
        if len(signature) != 64 or e["signature"] != signature.hex():
            return False
        if small_order(public_key) or small_order(signature[:32]):
            return False
        # OpenSSL refuses a non-canonical S (S >= the group order) itself.
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, message)
        return True
    except (ValueError, InvalidSignature):
        return False


def small_order(point):
    return point[:31] + bytes([point[31] & 0x7F]) in SMALL_ORDER


def main(path):
    if Ed25519PublicKey is None:
        print(
            "warning: the Python package `cryptography` is not installed: "
            "sign-off signatures are NOT checked (pip install cryptography)",
            file=sys.stderr,
        )
    now = datetime.datetime.now(datetime.timezone.utc)
    not_after = (now + FUTURE_SKEW).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    plan = Plan()
    prev, last_time, seq = ZERO, "", 0
    with open(path, "rb") as f:
        for raw in f:
            seq += 1
            try:
                entry = check_entry(raw, seq, prev, last_time, not_after, plan)
            except Failure as failure:
                print(f"FAILED at entry {seq}: {failure.check} check: {failure.reason}")
                return 1
            prev, last_time = entry["hash"], entry["recorded_at"]
    print(f"ok {seq} {prev}")
    return 0


def check_entry(raw, seq, prev, last_time, not_after, plan):
    """Every check on one line, in FORMAT.md's order; returns the entry."""
    entry = parse_canonical(raw[:-1] if raw.endswith(b"\n") else raw)
    check_shape(entry)
    rule(entry["seq"] == seq, f"found seq {entry['seq']} where seq {seq} was expected", "seq")
    body = {k: v for k, v in entry.items() if k != "hash"}
    computed = hashlib.sha256(canonical(body)).hexdigest()
    rule(computed == entry["hash"], f"the hash does not match the contents ({computed})", "hash")
    rule(entry["prev"] == prev, "prev is not the previous entry's hash", "link")
    time = entry["recorded_at"]
    rule(time >= last_time, f"recorded_at {time} is before the previous entry's", "time order")
    rule(time <= not_after, f"recorded_at {time} is in the future", "not in the future")
    check_event_schema(entry["event"])
    plan.apply(seq, entry["event"], entry["recorded_at"])
    plan.hashes.append(entry["hash"])
    return entry


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
