"""The wire form of an error graph: what the Node bridge, saved schedules and the fidelity cases carry.

A graph is JSON: `{"root": 0, "nodes": [...]}`. It holds everything `simharness.model.errors.JSError` holds
(string/int `code` and `status`, every own property as a JSON field, primitive links, plain objects, thrown
primitives, cycles), so a graph sent to the bridge and read back equals the original (tests/test_bridge_graphs.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from simharness.model.errors import JSError
from simharness.model.kinds import LINKS

# --- serialization: the wire/schedule form of an error graph (cycles allowed) ---------------------------
#
# {"root": 0, "nodes": [node, ...]}, nodes numbered in DFS order from the root (deterministic). A node is
# - an object: {"id", "kind", "name", "message", "code"?, "status"?, "fields"?, "plain"?: true,
#   "cause"|"error"|"reason"|"suppressed"?: id, "errors"?: [id, ...]}; a plain object's "name"/"message"
#   are present only when non-empty (JS: the literal has no such property);
# - a primitive: {"id", "value": JSON scalar} (+ "kind" for a thrown root, `JSError.primitive`). Primitives
#   have no identity in JS: every occurrence is a node of its own.
# Errors without primitive links or plain objects serialize exactly as they did before those existed.


def _scalar(value: Any) -> Any:
    return value if value is None or isinstance(value, (str, int, float, bool)) else repr(value)


def to_graph(err: JSError) -> dict[str, Any]:
    """Serialize an error graph (format above). `err` may be a thrown primitive (`JSError.primitive`)."""
    ids: dict[int, int] = {}
    nodes: list[dict[str, Any]] = []

    def number(node: Any) -> int:
        if not isinstance(node, JSError) or node.is_primitive:
            entry: dict[str, Any] = {"id": len(nodes), "value": _scalar(node.value if isinstance(node, JSError) else node)}
            if isinstance(node, JSError) and not nodes and node.kind != "plain":
                entry["kind"] = node.kind  # a thrown root keeps the world's label
            nodes.append(entry)
            return len(nodes) - 1
        if id(node) in ids:
            return ids[id(node)]
        at = ids[id(node)] = len(nodes)
        entry = {"id": at, "kind": node.kind}
        if not node.plain or node.name:
            entry["name"] = node.name
        if not node.plain or node.message:
            entry["message"] = node.message
        if node.code is not None:
            entry["code"] = node.code
        if node.status is not None:
            entry["status"] = node.status
        if node.fields:
            entry["fields"] = dict(sorted(node.fields.items()))
        if node.plain:
            entry["plain"] = True
        nodes.append(entry)
        for link in LINKS:
            target = getattr(node, link)
            if target is not None:
                entry[link] = number(target)
        if node.errors:
            entry["errors"] = [number(t) for t in node.errors]
        return at

    number(err)
    return {"root": 0, "nodes": nodes}


def from_graph(graph: dict[str, Any], known: Sequence[JSError] = ()) -> JSError:
    """Inverse of `to_graph` (links restored, cycles included). A primitive root comes back as
    `JSError.primitive` (it was thrown); a primitive elsewhere as the primitive itself.

    `known`: the objects `run` threw in this call, by attempt. A node the bridge marks `"ref": k` IS `known[k]`
    (Node saw the very object), so that object is used as it is, links and all: identity survives the boundary."""
    made: dict[Any, Any] = {}
    mine: set[Any] = set()  # ids of nodes that are the world's own objects: their links are theirs, not the graph's
    for n in graph["nodes"]:
        if "value" in n:
            made[n["id"]] = n["value"]
            continue
        ref = n.get("ref")
        if isinstance(ref, int) and not isinstance(ref, bool) and 0 <= ref < len(known):
            made[n["id"]] = known[ref]
            mine.add(n["id"])
            continue
        plain = bool(n.get("plain", False))
        made[n["id"]] = JSError(
            n.get("message", ""),
            name=n.get("name", "" if plain else "Error"),
            code=n.get("code"),
            status=n.get("status"),
            kind=n.get("kind", "plain"),
            fields=n.get("fields"),
            plain=plain,
        )
    for n in graph["nodes"]:
        node = made[n["id"]]
        if isinstance(node, JSError) and n["id"] not in mine:
            for link in LINKS:
                if link in n:
                    setattr(node, link, made[n[link]])
            if "errors" in n:
                node.errors = [made[i] for i in n["errors"]]
    root = made[graph["root"]]
    if isinstance(root, JSError):
        return root
    kind = next((str(n.get("kind", "plain")) for n in graph["nodes"] if n["id"] == graph["root"]), "plain")
    return JSError.primitive(root, kind=kind)
