"""Credo's Readability checks, one per module; importing this package registers those Credo runs by default
(the ones it ships disabled are imported when enabled: `credo/opt_in.py`)."""

# isort: skip_file
# The import order is the registration order (the order of `load_checks()`), kept from
# before the checks moved one per file.
from .max_line_length import MaxLineLength
from .redundant_blank_lines import RedundantBlankLines
from .semicolons import Semicolons
from .space_after_commas import SpaceAfterCommas
from .trailing_blank_line import TrailingBlankLine
from .trailing_white_space import TrailingWhiteSpace
from .function_names import FunctionNames
from .predicate_function_names import PredicateFunctionNames
from .parentheses_on_zero_arity_defs import ParenthesesOnZeroArityDefs
from .prefer_implicit_try import PreferImplicitTry
from .variable_names import VariableNames
from .module_attribute_names import ModuleAttributeNames
from .module_names import ModuleNames
from .module_doc import ModuleDoc
from .alias_order import AliasOrder
from .unnecessary_alias_expansion import UnnecessaryAliasExpansion
from .large_numbers import LargeNumbers
from .parentheses_in_condition import ParenthesesInCondition
from .pipe_into_anonymous_functions import PipeIntoAnonymousFunctions
from .string_sigils import StringSigils
from .with_single_clause import WithSingleClause

__all__ = [
    "MaxLineLength",
    "RedundantBlankLines",
    "Semicolons",
    "SpaceAfterCommas",
    "TrailingBlankLine",
    "TrailingWhiteSpace",
    "FunctionNames",
    "PredicateFunctionNames",
    "ParenthesesOnZeroArityDefs",
    "PreferImplicitTry",
    "VariableNames",
    "ModuleAttributeNames",
    "ModuleNames",
    "ModuleDoc",
    "AliasOrder",
    "UnnecessaryAliasExpansion",
    "LargeNumbers",
    "ParenthesesInCondition",
    "PipeIntoAnonymousFunctions",
    "StringSigils",
    "WithSingleClause",
]
