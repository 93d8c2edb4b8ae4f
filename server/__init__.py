"""ElixirCoder language server: diagnostics, completions, code actions and the CLI."""
