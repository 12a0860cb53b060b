"""Scripts that train, tune and ablate the product's learned parts on the benchmarks' dev halves
(python -m eval.training.<script>); learn.py and synthetic.py are what they share."""
