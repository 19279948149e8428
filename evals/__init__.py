"""Answer-quality evaluation: test sets, runner, metrics, reports, run comparison."""
