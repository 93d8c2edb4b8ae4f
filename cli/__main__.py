"""`python -m elixir_coder.cli`: the same as the `elixir-coder` console script."""

import sys

from .main import main

sys.exit(main())
