"""Edits of a plugins.yaml text for tests and benchmarks: one plugin entry's config keys set."""
from __future__ import annotations

import re
from typing import Any


def with_plugin_config(text: str, plugin: str, config: dict[str, Any]) -> str:
    """`text` with the `plugin` entry's config keys set: replaced where the entry has them, else
    added under its `config:`."""
    match = re.search(rf"(?m)^  - name: {re.escape(plugin)}\b.*$", text)
    if not match:
        raise ValueError(f"plugins.yaml has no {plugin} entry")
    following = re.search(r"(?m)^  - name: ", text[match.end():])
    end = match.end() + following.start() if following else len(text)
    entry = text[match.start():end]
    for key, value in config.items():
        if re.search(rf"(?m)^\s+{key}:", entry):
            entry = re.sub(rf"(?m)^(\s+){key}:.*$", rf"\g<1>{key}: {value}", entry)
        else:
            head = re.search(r"(?m)^(\s+)config:[ \t]*(\{\})?[ \t]*(#.*)?$", entry)
            if not head:
                raise ValueError(f"the {plugin} entry has no config")
            entry = entry[:head.start()] + f"{head.group(1)}config:\n{head.group(1)}  {key}: {value}" + entry[head.end():]
    return text[:match.start()] + entry + text[end:]
