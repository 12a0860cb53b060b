"""`rag eval`: which evaluation the options ask for, dispatched to it. The built-in sets run in
eval/harness/run.py; your own cases (--questions, --feedback) and --generate in
eval/harness/own_main.py."""

from __future__ import annotations

from rag.errors import BadInput

# the built-in sets' options and the values they have when not given (rag/cli.py's defaults)
BUILTIN_DEFAULTS = {"split": "test", "suite": "article", "sample": 200, "judge": False, "no_baseline": False}


def modes(args) -> tuple[list[str], list[str]]:
    """The options given for your own cases (--questions, --feedback, --generate) and for the
    built-in sets (--split, --suite, ...); `is` comparisons, since False == 0 would take
    `--feedback` off for `--generate 0`."""
    own = [f for f in ("questions", "feedback", "generate")
           if getattr(args, f, None) is not None and getattr(args, f) is not False]
    builtin = [f"--{f.replace('_', '-')}" for f, default in BUILTIN_DEFAULTS.items()
               if getattr(args, f, default) != default]
    return own, builtin


def main(args) -> int:
    from .own import metric_names
    from .own_main import evaluate_main, generate_main
    from .run import builtin_main

    if getattr(args, "list_metrics", False):
        print("\n".join(metric_names()))
        return 0
    own, builtin = modes(args)
    if own and builtin:
        raise BadInput(f"{builtin[0]} is for the built-in sets, not --{own[0]}")
    if getattr(args, "generate", None) is not None:
        if args.questions or args.feedback:
            raise BadInput("--generate writes a questions file; run it afterwards with --questions FILE")
        return generate_main(args)
    if own:
        return evaluate_main(args)
    if getattr(args, "collection", None):
        raise BadInput("--collection goes with --questions FILE, --feedback or --generate N")
    return builtin_main(args)
