#!/usr/bin/env python3
"""A grow-only set node for crdtviz lab and Maelstrom's g-set workload.

    crdtviz lab check --workload g-set -- python3 examples/lab/gset.py

It keeps a set of elements. An add puts an element in; a read answers
the list. It gossips its whole set to every other node when the set
grows, and every second in any case (which repairs lost messages). A node
that receives a set takes the union: union is commutative, associative
and idempotent, so duplicates and reordering do no harm.

Elements are any JSON value; crdtviz sends integers and strings.
"""
import json
import sys
import threading

lock = threading.Lock()
node_id = None
peers = []
elements = {}  # the JSON text of an element -> the element


def send(dest, body):
    # One message per line, flushed at once: the network reads lines.
    sys.stdout.write(json.dumps({"src": node_id, "dest": dest, "body": body}) + "\n")
    sys.stdout.flush()


def gossip():
    for p in peers:
        send(p, {"type": "gossip", "value": list(elements.values())})


def merge(values):
    """Adds the values to the set; says whether it grew."""
    grew = False
    for v in values:
        key = json.dumps(v, sort_keys=True)
        if key not in elements:
            elements[key] = v
            grew = True
    return grew


def every(seconds):
    with lock:
        gossip()
    timer = threading.Timer(seconds, every, [seconds])
    timer.daemon = True
    timer.start()


def handle(msg):
    global node_id, peers
    body = msg["body"]
    kind = body.get("type")
    with lock:
        if kind == "init":
            node_id = body["node_id"]
            peers = [n for n in body["node_ids"] if n != node_id]
            send(msg["src"], {"type": "init_ok", "in_reply_to": body["msg_id"]})
            timer = threading.Timer(1.0, every, [1.0])
            timer.daemon = True
            timer.start()
        elif kind == "add":
            grew = merge([body["element"]])
            send(msg["src"], {"type": "add_ok", "in_reply_to": body["msg_id"]})
            if grew:
                gossip()
        elif kind == "read":
            send(msg["src"], {"type": "read_ok", "in_reply_to": body["msg_id"],
                              "value": list(elements.values())})
        elif kind == "gossip":
            if merge(body["value"]):
                gossip()


for line in sys.stdin:
    if line.strip():
        handle(json.loads(line))
