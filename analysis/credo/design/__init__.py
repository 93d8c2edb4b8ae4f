"""Credo's Design checks, one per module; importing this package registers those Credo runs by default
(the ones it ships disabled are imported when enabled: `credo/opt_in.py`)."""

# isort: skip_file
# The import order is the registration order (the order of `load_checks()`), kept from
# before the checks moved one per file.
from .tag_todo import TagTODO
from .tag_fixme import TagFIXME
from .alias_usage import AliasUsage

__all__ = [
    "TagTODO",
    "TagFIXME",
    "AliasUsage",
]
