"""Graph checks on a loaded menu: the rules that keep a caller from being trapped."""
from __future__ import annotations

from ivr.model import INPUT_KINDS, TICKET_STATUSES, Menu, MenuError


def validate_menu(menu: Menu) -> list[MenuError]:
    """Return every rule the menu breaks, each with its file and line."""
    errors: list[MenuError] = []
    errors += _unknown_refs(menu)
    if errors:
        return errors  # the graph checks below need every edge to land somewhere
    errors += _unreachable(menu)
    errors += _menus_without_person(menu)
    errors += _inputless_loops(menu)
    errors += _prompt_problems(menu)
    return errors


def _err(menu: Menu, line: int, reason: str) -> MenuError:
    return MenuError(menu.file, line, reason)


def _unknown_refs(menu: Menu) -> list[MenuError]:
    return [_err(menu, line, f"node {node.id!r}: {field} refers to unknown node {target!r}")
            for node in menu.nodes.values() for field, target, line in node.targets()
            if target not in menu.nodes]


def _reachable(menu: Menu, start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        node_id = todo.pop()
        if node_id in seen or node_id not in menu.nodes:
            continue
        seen.add(node_id)
        todo += [t for _, t, _ in menu.nodes[node_id].targets()]
    return seen


def _unreachable(menu: Menu) -> list[MenuError]:
    reached = _reachable(menu, menu.start)
    return [_err(menu, node.line, f"node {node.id!r} is unreachable from start {menu.start!r}")
            for node in menu.nodes.values() if node.id not in reached]


def _menus_without_person(menu: Menu) -> list[MenuError]:
    """Every menu must lead somewhere to a queue (a person), per GB/T 33358's no-trap rule."""
    out = []
    for node in menu.nodes.values():
        if node.kind != "menu":
            continue
        onward = set()
        for _, target, _ in node.targets():
            onward |= _reachable(menu, target)
        if not any(menu.nodes[n].kind == "queue" for n in onward):
            out.append(_err(menu, node.line, f"menu {node.id!r} has no way to a person "
                            "(no option or default leads to a queue node)"))
    return out


def _inputless_loops(menu: Menu) -> list[MenuError]:
    """Find cycles made only of nodes that take no input: the caller would loop forever."""
    edges = {n.id: [t for _, t, _ in n.targets()] for n in menu.nodes.values()
             if n.kind not in INPUT_KINDS}
    state: dict[str, int] = {}
    out: list[MenuError] = []

    def visit(node_id: str, trail: list[str]) -> None:
        state[node_id] = 1
        for nxt in edges.get(node_id, []):
            if nxt not in edges:
                continue
            if state.get(nxt) == 1:
                cycle = trail[trail.index(nxt):] + [nxt]
                out.append(_err(menu, menu.nodes[nxt].line, "loop without input: "
                                + " → ".join(cycle)))
            elif nxt not in state:
                visit(nxt, trail + [nxt])
        state[node_id] = 2

    for node_id in edges:
        if node_id not in state:
            visit(node_id, [node_id])
    return out


def _prompt_problems(menu: Menu) -> list[MenuError]:
    out = []
    for name, texts in menu.prompts.items():
        line = menu.lines.get(f"prompts.{name}", 1)
        for lang in menu.languages:
            if not texts.get(lang, "").strip():
                out.append(_err(menu, line, f"prompt {name!r} has no {lang} text"))
    needed = [(f, p, line, n.id) for n in menu.nodes.values() for f, p, line in n.prompts()]
    if any(n.kind == "lookup_ticket" for n in menu.nodes.values()):
        line = menu.lines.get("prompts", 1)
        needed += [("status", f"status_{code}", line, "lookup_ticket") for code in TICKET_STATUSES]
    for field, prompt, line, node_id in needed:
        if prompt not in menu.prompts:
            out.append(_err(menu, line, f"node {node_id!r}: {field} uses undefined prompt "
                            f"{prompt!r}"))
    return out
