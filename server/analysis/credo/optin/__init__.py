"""Credo's opt-in checks (shipped disabled; a project's `.credo.exs` switches them on), one module each.

Importing this package registers every check module in it.
"""

from __future__ import annotations

import importlib
import pkgutil

for _module in pkgutil.iter_modules(__path__):
    if not _module.name.startswith("_"):
        importlib.import_module(f"{__name__}.{_module.name}")
