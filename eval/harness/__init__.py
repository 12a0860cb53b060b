"""The `rag eval` harness: golden sets and public benchmark data read, suites run, metrics computed,
the HTML report written and the gate checked (main.main is what `rag eval` calls)."""
