"""The flow of a checklist as a graph of step ids (rules 4, 5 and 10 of reference/triage.md
9.2): what a step reaches, which steps form loops, and whether a pause comes before a step."""

from __future__ import annotations

from collections.abc import Mapping

from oncall.domain.checklist import Step, StepKind


def after_pause(step_id: str, steps: Mapping[str, Step], reverse: Mapping[str, list[str]]) -> bool:
    """Whether a pause comes just before ``step_id`` on some path, with only decisions and
    go-to steps (which change nothing) between them."""
    seen = {step_id}
    todo = list(reverse.get(step_id, []))
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        kind = steps[current].kind
        if kind is StepKind.PAUSE:
            return True
        if kind in (StepKind.DECISION, StepKind.GOTO):
            todo.extend(reverse.get(current, []))
    return False


def reachable(start: str, graph: Mapping[str, list[str]]) -> set[str]:
    """The steps ``graph`` reaches from ``start`` (``start`` included)."""
    return reachable_many({start}, graph)


def reachable_many(starts: set[str], graph: Mapping[str, list[str]]) -> set[str]:
    """The steps ``graph`` reaches from any of ``starts`` (``starts`` included)."""
    seen = set(starts)
    todo = list(starts)
    while todo:
        for nxt in graph.get(todo.pop(), []):
            if nxt not in seen:
                seen.add(nxt)
                todo.append(nxt)
    return seen


def cycles(graph: Mapping[str, list[str]]) -> list[set[str]]:
    """Strongly connected components that hold a loop (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    out: list[set[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i == 0:
                index[node] = low[node] = counter
                counter += 1
                stack.append(node)
                on_stack.add(node)
            targets = graph[node]
            if i < len(targets):
                work.append((node, i + 1))
                nxt = targets[i]
                if nxt not in index:
                    work.append((nxt, 0))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            if low[node] == index[node]:
                component: set[str] = set()
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.add(member)
                    if member == node:
                        break
                if len(component) > 1 or node in graph[node]:
                    out.append(component)
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
    return out
