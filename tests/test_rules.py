"""Each guard rule family (rag.guard.rules.GuardRules) names a test, and that test fails without it."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rag.guard.rules import GuardRules

ROOT = Path(__file__).resolve().parent.parent
SOURCE = (ROOT / "rag" / "guard" / "rules.py").read_text(encoding="utf-8")


def named_test(rule: str) -> str:
    m = re.search(rf"# (tests/\S+)\n    {rule}: bool", SOURCE)
    assert m, f"GuardRules.{rule} names no test"
    return m.group(1)


def run(test: str, off: str = "") -> tuple[int, str]:
    env = {**os.environ, "RULE_OFF": off}
    r = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", test], cwd=ROOT,
                       env=env, capture_output=True, text=True, timeout=600)
    return r.returncode, r.stdout[-1500:] + r.stderr[-1500:]


def test_every_rule_is_on_by_default():
    assert all(getattr(GuardRules(), n) for n in GuardRules.names())
    assert not getattr(GuardRules().without("recite"), "recite")
    with pytest.raises(ValueError):
        GuardRules().without("no-such-rule")


@pytest.mark.integration
@pytest.mark.parametrize("rule", GuardRules.names())
def test_the_rules_test_fails_without_it(rule):
    test = named_test(rule)
    code, out = run(test)
    assert code == 0, f"{test} fails with every rule on:\n{out}"
    code, out = run(test, off=rule)
    assert code == 1, f"{test} passes with {rule} switched off: it does not test the rule\n{out}"
