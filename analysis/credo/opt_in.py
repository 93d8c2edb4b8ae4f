"""The checks Credo ships disabled, and the module of each: a run imports only those it enables.

A run with Credo's default configuration needs none of them (a third of the checks' code, and the
quoted-form helpers most of them share); `checks.load_checks` imports the ones that `.credo.exs` or
`--enable` switches on. Every check whose `enabled_by_default` is false is listed here, in the order
`load_checks()` reports them (tests/unit/test_credo_opt_in.py holds the list and the classes together).
"""

# full Credo name -> module under analysis/credo/
OPT_IN_MODULES: dict[str, str] = {
    "Credo.Check.Consistency.MultiAliasImportRequireUse": "consistency.multi_alias_import_require_use",
    "Credo.Check.Consistency.UnusedVariableNames": "consistency.unused_variable_names",
    "Credo.Check.Design.DuplicatedCode": "design.duplicated_code",
    "Credo.Check.Readability.Specs": "readability.specs",
    "Credo.Check.Readability.AliasAs": "readability.alias_as",
    "Credo.Check.Readability.BlockPipe": "readability.block_pipe",
    "Credo.Check.Readability.ImplTrue": "readability.impl_true",
    "Credo.Check.Readability.MultiAlias": "readability.multi_alias",
    "Credo.Check.Readability.NestedFunctionCalls": "readability.nested_function_calls",
    "Credo.Check.Readability.OneArityFunctionInPipe": "readability.one_arity_function_in_pipe",
    "Credo.Check.Readability.OnePipePerLine": "readability.one_pipe_per_line",
    "Credo.Check.Readability.SeparateAliasRequire": "readability.separate_alias_require",
    "Credo.Check.Readability.SingleFunctionToBlockPipe": "readability.single_function_to_block_pipe",
    "Credo.Check.Readability.SinglePipe": "readability.single_pipe",
    "Credo.Check.Readability.StrictModuleLayout": "readability.strict_module_layout",
    "Credo.Check.Readability.WithCustomTaggedTuple": "readability.with_custom_tagged_tuple",
    "Credo.Check.Design.SkipTestWithoutComment": "design.skip_test_without_comment",
    "Credo.Check.Refactor.DoubleBooleanNegation": "refactor.double_boolean_negation",
    "Credo.Check.Refactor.NegatedIsNil": "refactor.negated_is_nil",
    "Credo.Check.Refactor.IoPuts": "refactor.io_puts",
    "Credo.Check.Refactor.ABCSize": "refactor.abc_size",
    "Credo.Check.Refactor.AppendSingleItem": "refactor.append_single_item",
    "Credo.Check.Refactor.CondInsteadOfIfElse": "refactor.cond_instead_of_if_else",
    "Credo.Check.Refactor.FilterReject": "refactor.filter_reject",
    "Credo.Check.Refactor.MapMap": "refactor.map_map",
    "Credo.Check.Refactor.ModuleDependencies": "refactor.module_dependencies",
    "Credo.Check.Refactor.PassAsyncInTestCases": "refactor.pass_async_in_test_cases",
    "Credo.Check.Refactor.PipeChainStart": "refactor.pipe_chain_start",
    "Credo.Check.Refactor.RejectFilter": "refactor.reject_filter",
    "Credo.Check.Refactor.UtcNowTruncate": "refactor.utc_now_truncate",
    "Credo.Check.Refactor.VariableRebinding": "refactor.variable_rebinding",
    "Credo.Check.Warning.UnsafeToAtom": "warning.unsafe_to_atom",
    "Credo.Check.Warning.MapGetUnsafePass": "warning.map_get_unsafe_pass",
    "Credo.Check.Warning.LazyLogging": "warning.lazy_logging",
    "Credo.Check.Warning.LeakyEnvironment": "warning.leaky_environment",
    "Credo.Check.Warning.MixEnv": "warning.mix_env",
}
