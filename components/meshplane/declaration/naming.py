"""Field paths in the user's own keys: list items are named by their name, not their index."""

from __future__ import annotations

from .problems import Path

_ITEM_KEYS = ("name", "principal", "dataProduct")


def user_path(data: object, path: Path) -> str:
    """``('outputPorts', 0, 'schema', 2, 'type')`` as ``outputPorts.demographics.schema.email.type``."""
    parts: list[str] = []
    node = data
    for step in path:
        if isinstance(step, int) and isinstance(node, list):
            parts.append(_item_label(node, step) if 0 <= step < len(node) else f"[{step}]")
            node = node[step] if 0 <= step < len(node) else None
        else:
            parts.append(str(step))
            node = node.get(step) if isinstance(node, dict) else None
    return ".".join(parts).replace(".[", "[")


def _item_label(items: list, index: int) -> str:
    item = items[index]
    if not isinstance(item, dict):
        return f"[{index}]"
    for key in _ITEM_KEYS:
        label = item.get(key)
        if isinstance(label, str) and label:
            same = sum(1 for i in items if isinstance(i, dict) and i.get(key) == label)  # other labels may be any YAML
            if same == 1:
                return label
            version = item.get("version")
            return f"{label}@v{str(version).split('.')[0]}" if isinstance(version, str) \
                else f"{label}[{index}]"
    return f"[{index}]"
