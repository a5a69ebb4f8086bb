"""Redraw the diagram (BPMN DI) of a process file from its semantics.

    .venv/bin/python tools/relayout.py processes/share.bpmn [...]

Process owners edit diagrams in the modeller; developers who change a diagram's XML by
hand (new tasks, timers, flows) run this to give every element a shape again. Layout:
one band per lane, one column per step along the longest path from the start (loops
are drawn back), boundary events on the lower edge of the task they bound, expanded
subprocesses laid out inside their own box.
"""

from __future__ import annotations

import sys
from pathlib import Path

from lxml import etree

BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL"
DI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DDI = "http://www.omg.org/spec/DD/20100524/DI"
NS = {"bpmn": BPMN, "bpmndi": DI, "dc": DC, "di": DDI}

FLOW_NODE_TAGS = {
    "startEvent", "endEvent", "userTask", "scriptTask", "serviceTask", "task", "manualTask",
    "businessRuleTask", "callActivity", "subProcess", "exclusiveGateway", "parallelGateway",
    "inclusiveGateway", "eventBasedGateway", "intermediateCatchEvent",
    "intermediateThrowEvent", "boundaryEvent", "sendTask", "receiveTask",
}
COL_W, ROW_H, LEFT, TOP, LANE_LABEL = 155, 150, 170, 60, 30


def local(node) -> str:
    return etree.QName(node).localname


def size(node) -> tuple[int, int]:
    tag = local(node)
    if tag.endswith("Gateway"):
        return 50, 50
    if tag.endswith("Event"):
        return 36, 36
    return 100, 80


class Layout:
    def __init__(self):
        self.bounds: dict[str, tuple[float, float, float, float]] = {}
        self.flows: list = []

    def place(self, container, x0: float, y0: float, lanes=None) -> tuple[float, float]:
        """Lay out the flow nodes directly inside `container` from (x0, y0); returns the
        width and height used."""
        nodes = [n for n in container if isinstance(n.tag, str) and local(n) in FLOW_NODE_TAGS]
        by_id = {n.get("id"): n for n in nodes}
        boundaries = [n for n in nodes if local(n) == "boundaryEvent"]
        main = [n for n in nodes if local(n) != "boundaryEvent"]
        flows = [f for f in container.iterfind("bpmn:sequenceFlow", NS)]
        self.flows += flows
        host_of = {b.get("id"): b.get("attachedToRef") for b in boundaries}
        succ: dict[str, list[str]] = {n.get("id"): [] for n in nodes}
        for f in flows:
            src, tgt = f.get("sourceRef"), f.get("targetRef")
            if src in succ and tgt in by_id:
                succ[src].append(tgt)
        # a boundary event's targets follow its host
        for b, host in host_of.items():
            if host in succ:
                succ[host] = succ[host] + [t for t in succ[b]]
        order = [n.get("id") for n in main]
        incoming = {i: 0 for i in order}
        for i in order:
            for t in succ[i]:
                if t in incoming:
                    incoming[t] += 1
        roots = [i for i in order if incoming[i] == 0] or order[:1]
        # drop back edges with a depth-first walk, then longest-path columns
        state, back = {}, set()

        def walk(i):
            state[i] = 1
            for t in succ[i]:
                if t not in incoming:
                    continue
                if state.get(t) == 1:
                    back.add((i, t))
                elif t not in state:
                    walk(t)
            state[i] = 2

        sys.setrecursionlimit(10000)
        for r in roots + order:
            if r not in state:
                walk(r)
        col = {i: 0 for i in order}
        for _ in range(len(order)):
            changed = False
            for i in order:
                for t in succ[i]:
                    if t in col and (i, t) not in back and col[t] < col[i] + 1:
                        col[t] = col[i] + 1
                        changed = True
            if not changed:
                break
        # nested subprocesses first: their size decides the cell
        inner = {}
        for n in main:
            if local(n) == "subProcess":
                inner[n.get("id")] = n
        sizes = {}
        for i in order:
            n = by_id[i]
            sizes[i] = size(n)
        sub_sizes = {}
        for i, n in inner.items():
            tmp = Layout()
            w, h = tmp.place(n, 0, 0)
            sub_sizes[i] = (w + 80, h + 60)
            sizes[i] = sub_sizes[i]
        lane_of = {}
        lane_list = lanes or []
        for li, lane in enumerate(lane_list):
            for ref in lane.iterfind("bpmn:flowNodeRef", NS):
                lane_of[(ref.text or "").strip()] = li
        # column widths (a wide subprocess widens its column)
        ncols = max(col.values(), default=0) + 1
        col_w = [COL_W] * ncols
        for i in order:
            col_w[col[i]] = max(col_w[col[i]], sizes[i][0] + 55)
        col_x = [x0 + LEFT - 100 + sum(col_w[:c]) for c in range(ncols)]
        # rows: per lane, per column, stacked
        nlanes = max(len(lane_list), 1)
        cells: dict[tuple[int, int], list[str]] = {}
        for i in order:
            cells.setdefault((lane_of.get(i, 0), col[i]), []).append(i)
        lane_rows = [1] * nlanes
        for (li, _c), ids in cells.items():
            lane_rows[li] = max(lane_rows[li], len(ids))
        row_height = {}
        for (li, _c), ids in cells.items():
            for r, i in enumerate(ids):
                row_height[(li, r)] = max(row_height.get((li, r), ROW_H), sizes[i][1] + 70)
        lane_h = []
        for li in range(nlanes):
            lane_h.append(sum(row_height.get((li, r), ROW_H) for r in range(lane_rows[li]))
                          + 40)
        lane_y = [y0 + sum(lane_h[:li]) for li in range(nlanes)]
        for (li, c), ids in cells.items():
            y = lane_y[li] + 20
            for r, i in enumerate(ids):
                h = row_height.get((li, r), ROW_H)
                w_, h_ = sizes[i]
                self.bounds[i] = (col_x[c] + (col_w[c] - 55 - w_) / 2, y + (h - h_) / 2, w_, h_)
                y += h
        for i, n in inner.items():
            bx, by, bw, bh = self.bounds[i]
            self.place(n, bx - LEFT + 140, by + 30)
        for b in boundaries:
            host = self.bounds.get(b.get("attachedToRef"))
            if host is None:
                continue
            hx, hy, hw, hh = host
            siblings = [o for o in boundaries if o.get("attachedToRef") == b.get("attachedToRef")]
            k = siblings.index(b)
            self.bounds[b.get("id")] = (hx + hw - 36 - 10 - 42 * k, hy + hh - 18, 36, 36)
        width = sum(col_w) + LEFT
        height = sum(lane_h)
        self.lane_bounds = [(lane_y[li], lane_h[li]) for li in range(len(lane_list))]
        return width, height


def waypoints(src, tgt, backwards: bool):
    sx, sy, sw, sh = src
    tx, ty, tw, th = tgt
    if backwards:
        start = (sx + sw / 2, sy + sh)
        end = (tx + tw / 2, ty + th)
        low = max(sy + sh, ty + th) + 25
        return [start, (start[0], low), (end[0], low), end]
    start = (sx + sw, sy + sh / 2)
    end = (tx, ty + th / 2)
    if abs(start[1] - end[1]) < 1:
        return [start, end]
    if sh == 36 and sw == 36 and sy > ty + th - 40:  # a boundary event: leave downwards
        start = (sx + sw / 2, sy + sh)
        return [start, (start[0], end[1]), end] if end[0] > start[0] else [
            start, (start[0], start[1] + 20), (end[0] - 20, start[1] + 20),
            (end[0] - 20, end[1]), end]
    mid = start[0] + 20
    return [start, (mid, start[1]), (mid, end[1]), end]


def relayout(path: Path) -> None:
    parser = etree.XMLParser(remove_blank_text=True, resolve_entities=False)
    tree = etree.parse(str(path), parser)
    root = tree.getroot()
    for old in root.findall("bpmndi:BPMNDiagram", NS):
        root.remove(old)
    collaboration = root.find("bpmn:collaboration", NS)
    participant = collaboration.find("bpmn:participant", NS) if collaboration is not None else None
    process = root.find("bpmn:process", NS)
    lanes = process.findall("bpmn:laneSet/bpmn:lane", NS)
    layout = Layout()
    width, height = layout.place(process, 100, TOP, lanes)
    diagram = etree.SubElement(root, f"{{{DI}}}BPMNDiagram", id=f"diagram_{process.get('id')}")
    plane = etree.SubElement(diagram, f"{{{DI}}}BPMNPlane", id=f"plane_{process.get('id')}",
                             bpmnElement=(collaboration.get("id") if collaboration is not None
                                          else process.get("id")))

    def bounds(parent, x, y, w, h):
        etree.SubElement(parent, f"{{{DC}}}Bounds", x=f"{x:g}", y=f"{y:g}", width=f"{w:g}",
                         height=f"{h:g}")

    if participant is not None:
        s = etree.SubElement(plane, f"{{{DI}}}BPMNShape", id=f"{participant.get('id')}_di",
                             bpmnElement=participant.get("id"), isHorizontal="true")
        bounds(s, 100, TOP, width, max(height, 200))
    for lane, (ly, lh) in zip(lanes, layout.lane_bounds, strict=False):
        s = etree.SubElement(plane, f"{{{DI}}}BPMNShape", id=f"{lane.get('id')}_di",
                             bpmnElement=lane.get("id"), isHorizontal="true")
        bounds(s, 100 + LANE_LABEL, ly, width - LANE_LABEL, lh)
    for node in process.iter():
        if not isinstance(node.tag, str) or local(node) not in FLOW_NODE_TAGS:
            continue
        b = layout.bounds.get(node.get("id"))
        if b is None:
            continue
        attrs = {"id": f"{node.get('id')}_di", "bpmnElement": node.get("id")}
        if local(node) == "exclusiveGateway":
            attrs["isMarkerVisible"] = "true"
        if local(node) == "subProcess":
            attrs["isExpanded"] = "true"
        s = etree.SubElement(plane, f"{{{DI}}}BPMNShape", **attrs)
        bounds(s, *b)
        if local(node).endswith("Event") or local(node).endswith("Gateway"):
            label = etree.SubElement(s, f"{{{DI}}}BPMNLabel")
            x, y, w, h = b
            bounds(label, x + w / 2 - 55, y + h + 4, 110, 40)
    for flow in layout.flows:
        src = layout.bounds.get(flow.get("sourceRef"))
        tgt = layout.bounds.get(flow.get("targetRef"))
        if src is None or tgt is None:
            continue
        e = etree.SubElement(plane, f"{{{DI}}}BPMNEdge", id=f"{flow.get('id')}_di",
                             bpmnElement=flow.get("id"))
        for x, y in waypoints(src, tgt, backwards=tgt[0] < src[0]):
            etree.SubElement(e, f"{{{DDI}}}waypoint", x=f"{x:g}", y=f"{y:g}")
    etree.indent(tree, space="  ")
    tree.write(str(path), xml_declaration=True, encoding="UTF-8")


if __name__ == "__main__":
    for name in sys.argv[1:]:
        relayout(Path(name))
