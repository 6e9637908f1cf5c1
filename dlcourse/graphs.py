"""Computational graphs given as data: node names and ``(source, target)`` edges.

Light to import (no sympy): `dlcourse.plots` draws graphs with it, and
`dlcourse.symbolic` checks a student's graph with it.
"""

from __future__ import annotations

from collections.abc import Sequence

__all__ = ["topological_order"]


def topological_order(nodes: Sequence[str], edges: Sequence[tuple[str, str]]) -> list[str]:
    """The nodes ordered so that every edge goes forward (Kahn's algorithm, stable).

    Args:
        nodes: node names.
        edges: ``(source, target)`` pairs between them.

    Returns:
        The nodes, sources first; ties keep the order of `nodes`.

    Raises:
        ValueError: the graph has a cycle.
    """
    indegree = {n: 0 for n in nodes}
    for _, dst in edges:
        indegree[dst] += 1
    order: list[str] = []
    ready = [n for n in nodes if indegree[n] == 0]
    while ready:
        node = ready.pop(0)
        order.append(node)
        for src, dst in edges:
            if src == node:
                indegree[dst] -= 1
                if indegree[dst] == 0:
                    ready.append(dst)
    if len(order) != len(nodes):
        stuck = [n for n in nodes if n not in order]
        raise ValueError(f"the graph has a cycle through {', '.join(map(repr, stuck))}")
    return order
