"""Credo's Consistency checks, one per module; importing this package registers those Credo runs by default
(the ones it ships disabled are imported when enabled: `credo/opt_in.py`)."""

# isort: skip_file
# The import order is the registration order (the order of `load_checks()`), kept from
# before the checks moved one per file.
from .parameter_pattern_matching import ParameterPatternMatching
from .line_endings import LineEndings
from .tabs_or_spaces import TabsOrSpaces
from .space_in_parentheses import SpaceInParentheses
from .space_around_operators import SpaceAroundOperators
from .exception_names import ExceptionNames

__all__ = [
    "ParameterPatternMatching",
    "LineEndings",
    "TabsOrSpaces",
    "SpaceInParentheses",
    "SpaceAroundOperators",
    "ExceptionNames",
]
