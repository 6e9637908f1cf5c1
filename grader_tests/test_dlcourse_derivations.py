"""The derivation problems of hw2: what their symbols and expressions stand for."""

from __future__ import annotations

import sympy as sp

from dlcourse.derivations import batchnorm_batch_of_three, fc_one_example


def test_fc_loss_has_gradient_g_with_respect_to_the_output():
    fc = fc_one_example()
    assert fc.x.shape == (3, 1) and fc.W.shape == (3, 2) and fc.y.shape == (2, 1)
    # y depends on b as y = ... + b, so dL/db = dL/dy: it must be g.
    assert [fc.loss.diff(bj) for bj in fc.b] == list(fc.g)
    assert set(fc.answer_symbols) == fc.loss.free_symbols


def test_batchnorm_sigma_is_the_biased_standard_deviation_with_epsilon():
    bn = batchnorm_batch_of_three()
    values = {bn.x[0]: 1.0, bn.x[1]: 2.0, bn.x[2]: 6.0, bn.epsilon: 0.5}
    # mean 3, squared deviations 4, 1, 9: variance 14/3 (divided by N, not N - 1)
    assert sp.simplify(bn.mu_of_x.subs(values) - 3) == 0
    assert abs(float(bn.sigma_of_x.subs(values)) - (14 / 3 + 0.5) ** 0.5) < 1e-12


def test_batchnorm_placeholders_stand_for_mu_and_sigma():
    bn = batchnorm_batch_of_three()
    normalised = ((bn.x[0] - bn.mu) / bn.sigma).subs(bn.define)
    assert sp.simplify(normalised - (bn.x[0] - bn.mu_of_x) / bn.sigma_of_x) == 0
    g_total = bn.loss.subs({g: 1 for g in bn.g})
    assert abs(float(g_total.subs({bn.x[0]: 0.3, bn.x[1]: -1.0, bn.x[2]: 2.0,
                                   bn.epsilon: 0.1}))) < 1e-12  # normalised values sum to 0
