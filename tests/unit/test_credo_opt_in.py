"""The list of checks Credo ships disabled (`credo/opt_in.py`) against the check classes, and a run
importing only the opt-in checks it enables."""

from __future__ import annotations

import subprocess
import sys

from elixir_coder.analysis.checks import load_checks
from elixir_coder.analysis.credo.opt_in import OPT_IN_MODULES
from elixir_coder.analysis.credo_config import CredoConfig
from elixir_coder.analysis.runner import AnalysisOptions, selected_checks


def test_the_list_names_exactly_the_checks_shipped_disabled_with_their_modules():
    registry = load_checks()
    disabled = {name for name, cls in registry.items() if not cls.enabled_by_default}
    assert disabled == set(OPT_IN_MODULES)
    for name, module in OPT_IN_MODULES.items():
        assert registry[name].__module__ == f"elixir_coder.analysis.credo.{module}"


def test_load_checks_orders_by_category_default_checks_first_whatever_was_imported_before():
    registry = load_checks()
    names = list(registry)
    categories = [registry[n].category for n in names]
    assert categories == sorted(categories, key=["consistency", "design", "readability", "refactor", "warning"].index)
    for category in set(categories):
        in_category = [n for n in names if registry[n].category == category]
        opt_in = [n for n in in_category if n in OPT_IN_MODULES]
        assert in_category[len(in_category) - len(opt_in):] == [n for n in OPT_IN_MODULES if n in opt_in]


def test_enable_and_config_switch_opt_in_checks_on():
    enabled = {c.name for c in selected_checks(CredoConfig(), AnalysisOptions(enable=("Readability.AliasAs",)))}
    assert "Credo.Check.Readability.AliasAs" in enabled
    assert "Credo.Check.Design.DuplicatedCode" not in enabled
    config = CredoConfig(extra_enabled={"Credo.Check.Design.DuplicatedCode"})
    enabled = {c.name for c in selected_checks(config, AnalysisOptions())}
    assert "Credo.Check.Design.DuplicatedCode" in enabled
    assert "Credo.Check.Readability.AliasAs" not in enabled


def test_a_default_run_imports_no_opt_in_check():
    # a fresh interpreter: this test process has imported every check already
    code = (
        "import sys\n"
        "from elixir_coder.analysis.credo_config import CredoConfig\n"
        "from elixir_coder.analysis.runner import AnalysisOptions, selected_checks\n"
        "from elixir_coder.analysis.credo.opt_in import OPT_IN_MODULES\n"
        "checks = selected_checks(CredoConfig(), AnalysisOptions(strict=True))\n"
        "loaded = [m for m in OPT_IN_MODULES.values() if 'elixir_coder.analysis.credo.' + m in sys.modules]\n"
        "print(len(checks), loaded, 'elixir_coder.analysis.quoted' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == [str(len(load_checks()) - len(OPT_IN_MODULES)), "[]", "False"]
