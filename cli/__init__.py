"""The `elixir-coder` command line: the one place that wires every package's subcommands together."""
