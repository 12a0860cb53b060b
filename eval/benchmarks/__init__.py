"""Speed, scale and load benchmarks against plain LlamaIndex scripts (python -m eval.benchmarks.<script>);
plain_ingest.py and plain_script.py are the comparison points they run in fresh processes."""
