"""`python -m assistant` runs the `vankien` command line."""

from assistant.cli import main

main()
