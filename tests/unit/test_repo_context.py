"""Repository context over a small real project: definitions used near the cursor, BM25 windows, the budget."""

from __future__ import annotations

from pathlib import Path

from elixir_coder.model.prompt import build_prompt
from elixir_coder.model.tokenizer import ModelTokenizer
from elixir_coder.server.api_index import ApiIndex
from elixir_coder.server.repo_context import RepoContext, words
from elixir_coder.server.stdlib_api import packaged_listing, parse_listing
from elixir_coder.server.workspace_index import ProjectIndex

REPO = Path(__file__).resolve().parents[2]
FILES = {
    "lib/shop/accounts.ex": '''defmodule Shop.Accounts do
  @spec get_user!(integer()) :: map()
  def get_user!(id), do: %{id: id}
end
''',
    "lib/shop/invoice.ex": "defmodule Shop.Invoice do\n  defstruct [:number, :total_cents, :due_on]\nend\n",
    "lib/shop/billing.ex": '''defmodule Shop.Billing do
  def overdue_invoices(invoices, today) do
    Enum.filter(invoices, fn invoice -> Date.compare(invoice.due_on, today) == :lt end)
  end
end
''',
    "lib/shop/unrelated.ex": "defmodule Shop.Unrelated do\n  def ping, do: :pong\nend\n",
}
DOC = '''defmodule Shop.Reminders do
  alias Shop.{Accounts, Invoice}

  def remind(user_id, invoices, today) do
    user = Accounts.get_user!(user_id)
    late = %Invoice{number: 1}
    overdue = Enum.filter(invoices, fn invoice ->
'''


def _context(tmp_path: Path) -> tuple[RepoContext, ApiIndex]:
    for name, text in {**FILES, "lib/shop/reminders.ex": DOC}.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    project = ProjectIndex(tmp_path)
    project.scan()
    index = ApiIndex(project, None, parse_listing(packaged_listing()))
    return RepoContext(index, tmp_path), index


def test_definitions_and_similar_windows(tmp_path: Path) -> None:
    ctx, index = _context(tmp_path)
    api = index.at(tmp_path / "lib/shop/reminders.ex", DOC, len(DOC))
    text = ctx.build(tmp_path / "lib/shop/reminders.ex", DOC, len(DOC), api, 2000)
    lines = text.split("\n")
    assert "# Shop.Accounts.get_user!(id) :: map()" in lines
    assert "# %Shop.Invoice{number, total_cents, due_on}" in lines
    assert "# Enum.filter" not in text  # the standard library is left to the model
    assert "# Path: lib/shop/billing.ex" in lines  # the most similar window
    assert "lib/shop/reminders.ex" not in text  # never the document itself
    assert "  def overdue_invoices(invoices, today) do" in lines  # a window, as code
    commented = RepoContext(index, tmp_path, comment_windows=True).build(
        tmp_path / "lib/shop/reminders.ex", DOC, len(DOC), api, 2000)
    assert all(line.startswith("#") for line in commented.split("\n"))
    # Most useful first, within the limit.
    short = ctx.build(tmp_path / "lib/shop/reminders.ex", DOC, len(DOC), api, 60)
    assert len(short) <= 60 and short.startswith("# %Shop.Invoice") or short.startswith("# Shop.Accounts")


def test_windows_follow_file_changes(tmp_path: Path) -> None:
    ctx, index = _context(tmp_path)
    api = index.at(tmp_path / "lib/shop/reminders.ex", DOC, len(DOC))
    assert "Path: lib/shop/billing.ex" in ctx.build(None, DOC, len(DOC), api, 2000)
    (tmp_path / "lib/shop/billing.ex").unlink()
    index.project.remove(tmp_path / "lib/shop/billing.ex")
    assert "billing" not in ctx.build(None, DOC, len(DOC), api, 2000)


def test_words_split_snake_case() -> None:
    assert words("overdue_invoices(today)") == ["overdue_invoices", "overdue", "invoices", "today"]


def test_prompt_keeps_repository_context_within_its_budget() -> None:
    tok = ModelTokenizer(REPO / "model/default/base/tokenizer.json")
    repo = "\n".join(f"# Shop.Mod{i}.fun{i}(arg)" for i in range(60))
    prompt = build_prompt(tok, "x = ", "", budget=200, fim=False, repository=repo, repository_budget=40)
    without = build_prompt(tok, "x = ", "", budget=200, fim=False)
    text = "".join(prompt.tokens)
    assert len(prompt.tokens) - len(without.tokens) <= 40 and "Mod0" in text and "Mod59" not in text
