"""Each canary probe fails for the right reason while its helper is intact, and a canary
names a helper that was replaced by one that lets everything pass (dlgrader/canaries.py).

The canaries run in graded kernels in `test_autograde.py` and in the attack catalogue of
`test_sandbox.py`; here the probes run in this process, one by one.
"""

from __future__ import annotations

import numpy
import pytest
import sympy
import torch

from dlcourse import checks, symbolic
from dlgrader import canaries

NAMESPACE = {"numpy": numpy, "checks": checks, "symbolic": symbolic, "sympy": sympy,
             "torch": torch}
TOKEN = "0123456789abcdef"


def run_canary() -> str:
    """The helpers a canary found not failing, as it reports them ("" when all fail)."""
    with pytest.raises(RuntimeError) as raised:
        exec(canaries.canary_source(TOKEN), {})
    prefix = f"dlgrader-canary {TOKEN} "
    assert str(raised.value).startswith(prefix)
    return str(raised.value)[len(prefix):]


@pytest.mark.parametrize("helper", sorted(canaries.PROBES))
def test_a_probe_fails_on_its_helpers_own_check(helper):
    """An assertion (dlcourse's CheckFailed is one), not a TypeError from a wrong call."""
    with pytest.raises(AssertionError):
        exec(canaries.PROBES[helper], dict(NAMESPACE))


def test_every_public_assertion_helper_of_dlcourse_is_probed():
    for module in (checks, symbolic):
        helpers = {f"{module.__name__}.{name}" for name in dir(module)
                   if name.startswith("assert_") and callable(getattr(module, name))}
        assert helpers <= set(canaries.PROBES), sorted(helpers - set(canaries.PROBES))


@pytest.mark.parametrize("module, name", [(checks, "assert_shape"),
                                          (symbolic, "assert_equivalent"),
                                          (symbolic, "assert_derivative_at")])
def test_a_canary_names_a_helper_that_lets_everything_pass(monkeypatch, module, name):
    assert run_canary() == ""
    monkeypatch.setattr(module, name, lambda *args, **kwargs: None)
    assert run_canary() == f"{module.__name__}.{name}"
