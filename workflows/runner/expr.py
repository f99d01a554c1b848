"""`{{...}}` substitution: plain variable names only, and an unknown name is an error."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from workflows.runner.spec import SpecError

_VARIABLE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


def substitute(text: str, scope: Mapping[str, Any]) -> str:
    """Replace every `{{name}}` from scope; `{{item.key}}` reads a key of an object item."""

    def value(match: re.Match[str]) -> str:
        name = match.group(1)
        if name.startswith("="):
            raise SpecError(f"expression {match.group(0)!r} is not supported locally")
        if name in scope:
            found = scope[name]
        elif name.startswith("item.") and isinstance(scope.get("item"), dict):
            found = scope["item"].get(name[5:])
            if found is None:
                raise SpecError(f"{match.group(0)}: the item has no key {name[5:]!r}")
        else:
            raise SpecError(f"{match.group(0)} names nothing declared here")
        return found if isinstance(found, str) else json.dumps(found)

    return _VARIABLE.sub(value, text)


def variables(text: str) -> list[str]:
    """The names a text refers to (for the manifests' own checks)."""
    return [m.group(1) for m in _VARIABLE.finditer(text)]
