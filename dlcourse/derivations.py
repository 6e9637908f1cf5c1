"""The small problems of hw2's derivation tasks, as sympy symbols and expressions.

A notebook's given cell shows the student the symbols; its test cells build the same
problem again (sympy symbols with the same name and assumptions are equal), so a test
never depends on a name the student may have overwritten.

    problem = batchnorm_batch_of_three()
    assert_equivalent(dsigma_dx1, sp.diff(problem.sigma_of_x, problem.x[0]),
                      problem.answer_symbols, define=problem.define, ...)
"""

from __future__ import annotations

from types import SimpleNamespace

import sympy as sp

from dlcourse.symbolic import matrix_symbols


def fc_one_example() -> SimpleNamespace:
    """A fully connected layer y = W^T x + b for one example, D = 3 inputs, M = 2 outputs.

    Returns:
        x (3 x 1), W (3 x 2), b (2 x 1), g (2 x 1, the gradient dL/dy) as matrices of
        real symbols; y (2 x 1); loss = g^T y, a scalar whose gradient with respect to y
        is g (any loss has this gradient at one point, to first order);
        answer_symbols, the symbols an answer may use.
    """
    x, W = matrix_symbols("x", 3), matrix_symbols("W", 3, 2)
    b, g = matrix_symbols("b", 2), matrix_symbols("g", 2)
    y = W.T * x + b
    return SimpleNamespace(x=x, W=W, b=b, g=g, y=y, loss=(g.T * y)[0, 0],
                           answer_symbols=[*x, *W, *b, *g])


def batchnorm_batch_of_three() -> SimpleNamespace:
    """Batch normalization of one feature over a batch of three, with gamma = 1, beta = 0.

    Returns:
        x (x1, x2, x3), g (g1, g2, g3: dL/dY_j), epsilon; mu and sigma, placeholders
        an answer may use; mu_of_x and sigma_of_x, what they stand for (biased
        variance, epsilon inside the root); loss = sum_j g_j Y_j with
        Y_j = (x_j - mu) / sigma, in the x's; define, placeholder -> meaning;
        answer_symbols, the symbols an answer may use.
    """
    x = sp.symbols("x1 x2 x3", real=True)
    g = sp.symbols("g1 g2 g3", real=True)
    epsilon = sp.Symbol("epsilon", positive=True)
    mu, sigma = sp.Symbol("mu", real=True), sp.Symbol("sigma", positive=True)
    mu_of_x = sum(x) / 3
    sigma_of_x = sp.sqrt(sum((xj - mu_of_x) ** 2 for xj in x) / 3 + epsilon)
    loss = sum(gj * (xj - mu_of_x) / sigma_of_x for gj, xj in zip(g, x, strict=True))
    return SimpleNamespace(x=x, g=g, epsilon=epsilon, mu=mu, sigma=sigma,
                           mu_of_x=mu_of_x, sigma_of_x=sigma_of_x, loss=loss,
                           define={mu: mu_of_x, sigma: sigma_of_x},
                           answer_symbols=[*x, *g, epsilon, mu, sigma])
