"""The evaluation, kept apart from the product (rag/): the `rag eval` harness (harness/), the judgments
it compares with the product's own (judges/), the scripts that train and tune the product's learned
parts (training/), the speed, scale and load benchmarks (benchmarks/), the golden sets and gate
thresholds (data/) and recorded benchmark results (results/)."""
