"""Credo's Refactor checks, one per module; importing this package registers those Credo runs by default
(the ones it ships disabled are imported when enabled: `credo/opt_in.py`)."""

# isort: skip_file
# The import order is the registration order (the order of `load_checks()`), kept from
# before the checks moved one per file.
from .nesting import Nesting
from .cyclomatic_complexity import CyclomaticComplexity
from .function_arity import FunctionArity
from .cond_statements import CondStatements
from .with_clauses import WithClauses
from .redundant_with_clause_result import RedundantWithClauseResult
from .apply import Apply
from .unless_with_else import UnlessWithElse
from .negated_conditions_in_unless import NegatedConditionsInUnless
from .negated_conditions_with_else import NegatedConditionsWithElse
from .match_in_condition import MatchInCondition
from .filter_count import FilterCount
from .filter_filter import FilterFilter
from .reject_reject import RejectReject
from .map_join import MapJoin
from .long_quote_blocks import LongQuoteBlocks

__all__ = [
    "Nesting",
    "CyclomaticComplexity",
    "FunctionArity",
    "CondStatements",
    "WithClauses",
    "RedundantWithClauseResult",
    "Apply",
    "UnlessWithElse",
    "NegatedConditionsInUnless",
    "NegatedConditionsWithElse",
    "MatchInCondition",
    "FilterCount",
    "FilterFilter",
    "RejectReject",
    "MapJoin",
    "LongQuoteBlocks",
]
