#!/usr/bin/env python3
# A correct state-based or-set node for the lab's tests: every add gets a
# unique tag (node, counter); a remove tombstones the tags it has seen of
# that element. A state is (adds, removed tags); merge is the union of
# both. It gossips its state after each change and every second.
import json, sys, threading

me, peers = None, []
adds, removed = {}, set()   # tag -> element (as JSON text); tags removed
n = 0
lock = threading.Lock()

def send(dest, body):
    print(json.dumps({"src": me, "dest": dest, "body": body}), flush=True)

def gossip():
    for p in peers:
        send(p, {"type": "gossip", "adds": adds, "removed": sorted(removed)})

def timer():
    with lock:
        gossip()
    t = threading.Timer(1.0, timer); t.daemon = True; t.start()

for line in sys.stdin:
    msg = json.loads(line)
    body, src = msg["body"], msg["src"]
    with lock:
        t = body["type"]
        if t == "init":
            me = body["node_id"]
            peers = [p for p in body["node_ids"] if p != me]
            send(src, {"type": "init_ok", "in_reply_to": body["msg_id"]})
            th = threading.Timer(1.0, timer); th.daemon = True; th.start()
        elif t == "add":
            n += 1
            adds["%s:%d" % (me, n)] = json.dumps(body["element"])
            send(src, {"type": "add_ok", "in_reply_to": body["msg_id"]})
            gossip()
        elif t == "remove":
            e = json.dumps(body["element"])
            removed.update(tag for tag, x in adds.items() if x == e)
            send(src, {"type": "remove_ok", "in_reply_to": body["msg_id"]})
            gossip()
        elif t == "read":
            live = {x for tag, x in adds.items() if tag not in removed}
            send(src, {"type": "read_ok", "in_reply_to": body["msg_id"], "value": [json.loads(x) for x in live]})
        elif t == "gossip":
            before = (len(adds), len(removed))
            adds.update(body["adds"]); removed.update(body["removed"])
            if (len(adds), len(removed)) != before:
                gossip()
