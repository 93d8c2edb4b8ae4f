"""Credo's Warning checks, one per module; importing this package registers those Credo runs by default
(the ones it ships disabled are imported when enabled: `credo/opt_in.py`)."""

# isort: skip_file
# The import order is the registration order (the order of `load_checks()`), kept from
# before the checks moved one per file.
from .io_inspect import IoInspect
from .iex_pry import IExPry
from .dbg import Dbg
from .expensive_empty_enum_check import ExpensiveEmptyEnumCheck
from .raise_inside_rescue import RaiseInsideRescue
from .application_config_in_module_attribute import ApplicationConfigInModuleAttribute
from .bool_operation_on_same_values import BoolOperationOnSameValues
from .operation_on_same_values import OperationOnSameValues
from .operation_with_constant_result import OperationWithConstantResult
from .spec_with_struct import SpecWithStruct
from .struct_field_amount import StructFieldAmount
from .unsafe_exec import UnsafeExec
from .unused_enum_operation import UnusedEnumOperation
from .unused_file_operation import UnusedFileOperation
from .unused_keyword_operation import UnusedKeywordOperation
from .unused_list_operation import UnusedListOperation
from .unused_map_operation import UnusedMapOperation
from .unused_path_operation import UnusedPathOperation
from .unused_regex_operation import UnusedRegexOperation
from .unused_string_operation import UnusedStringOperation
from .unused_tuple_operation import UnusedTupleOperation
from .missed_metadata_key_in_logger_config import MissedMetadataKeyInLoggerConfig
from .wrong_test_filename import WrongTestFilename

__all__ = [
    "IoInspect",
    "IExPry",
    "Dbg",
    "ExpensiveEmptyEnumCheck",
    "RaiseInsideRescue",
    "ApplicationConfigInModuleAttribute",
    "BoolOperationOnSameValues",
    "OperationOnSameValues",
    "OperationWithConstantResult",
    "SpecWithStruct",
    "StructFieldAmount",
    "UnsafeExec",
    "UnusedEnumOperation",
    "UnusedFileOperation",
    "UnusedKeywordOperation",
    "UnusedListOperation",
    "UnusedMapOperation",
    "UnusedPathOperation",
    "UnusedRegexOperation",
    "UnusedStringOperation",
    "UnusedTupleOperation",
    "MissedMetadataKeyInLoggerConfig",
    "WrongTestFilename",
]
