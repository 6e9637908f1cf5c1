"""The reference solution of hw2_layers, for the assignments that build on it.

Generated from source/hw2_layers/hw2_layers.ipynb by `make release`: do not edit.
Replace it with your own module if you like; the grader uses this one.
"""


# --- setup
import numpy as np
from numpy.lib.stride_tricks import sliding_window_view  # handy for convolution

from dlcourse import checks  # the assertions the test cells use
from dlcourse.gradcheck import numeric_gradient, rel_error  # for your own checks


# --- fc_forward
def fc_forward(x, w, b):
    """Fully connected layer, forward pass: out = x.reshape(N, D) @ w + b.

    Args:
        x: inputs, shape (N, d_1, ..., d_k); D = d_1 * ... * d_k.
        w: weights, shape (D, M).
        b: biases, shape (M,).

    Returns:
        out: shape (N, M).
        cache: what fc_backward needs.
    """
    x_flat = x.reshape(x.shape[0], -1)
    out = x_flat @ w + b
    cache = (x, w)
    return out, cache


# --- fc_backward
def fc_backward(dout, cache):
    """Fully connected layer, backward pass.

    Args:
        dout: upstream gradient dL/dout, shape (N, M).
        cache: from fc_forward.

    Returns:
        dx: shape (N, d_1, ..., d_k), the shape of the input x.
        dw: shape (D, M).
        db: shape (M,).
    """
    x, w = cache
    x_flat = x.reshape(x.shape[0], -1)
    dx = (dout @ w.T).reshape(x.shape)
    dw = x_flat.T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db


# --- relu_forward
def relu_forward(x):
    """ReLU, forward pass: out = max(x, 0) elementwise.

    Args:
        x: inputs, any shape.

    Returns:
        out: x's shape.
        cache: what relu_backward needs.
    """
    out = np.maximum(x, 0)
    cache = x
    return out, cache


# --- relu_backward
def relu_backward(dout, cache):
    """ReLU, backward pass.

    Args:
        dout: upstream gradient, any shape.
        cache: from relu_forward.

    Returns:
        dx: dout's shape; zero where the input was not positive.
    """
    x = cache
    dx = dout * (x > 0)
    return dx


# --- dropout_forward
def dropout_forward(x, dropout_param):
    """Inverted dropout, forward pass.

    In train mode each entry of x is kept with probability 1 - p, and kept entries are
    scaled so that the output equals x in expectation. In test mode out equals x.

    Args:
        x: inputs, any shape.
        dropout_param: dict with 'p' (drop probability, 0 <= p < 1), 'mode' ('train'
            or 'test') and optionally 'seed' (equal seeds give equal masks).

    Returns:
        out: x's shape.
        cache: what dropout_backward needs.
    """
    p, mode = dropout_param["p"], dropout_param["mode"]
    mask = None
    if mode == "train":
        rng = np.random.default_rng(dropout_param.get("seed"))
        mask = (rng.random(x.shape) >= p).astype(x.dtype) / (1 - p)
        out = x * mask
    else:
        out = x.copy()
    cache = (mode, mask)
    return out, cache


# --- dropout_backward
def dropout_backward(dout, cache):
    """Inverted dropout, backward pass.

    Args:
        dout: upstream gradient, the shape of the layer's input.
        cache: from dropout_forward.

    Returns:
        dx: dout's shape.
    """
    mode, mask = cache
    if mode == "train":
        dx = dout * mask
    else:
        dx = dout.copy()
    return dx


# --- batchnorm_forward
def batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalization, forward pass (per feature, over the batch).

    Args:
        x: inputs, shape (N, D).
        gamma: scales, shape (D,).
        beta: shifts, shape (D,).
        bn_param: dict with 'mode' ('train' or 'test'), and optionally 'eps' (default
            1e-5), 'momentum' (default 0.9), 'running_mean' and 'running_var' (shape
            (D,); zeros and ones when missing). Train mode stores the updated running
            statistics back in bn_param.

    Returns:
        out: shape (N, D).
        cache: what batchnorm_backward needs.
    """
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    num_features = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(num_features, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.ones(num_features, dtype=x.dtype))
    if mode == "train":
        mean, var = x.mean(axis=0), x.var(axis=0)
        running_mean = momentum * running_mean + (1 - momentum) * mean
        running_var = momentum * running_var + (1 - momentum) * var
    else:
        mean, var = running_mean, running_var
    bn_param["running_mean"], bn_param["running_var"] = running_mean, running_var
    std = np.sqrt(var + eps)
    x_hat = (x - mean) / std
    out = gamma * x_hat + beta
    cache = (x_hat, gamma, std)
    return out, cache


# --- batchnorm_backward
def batchnorm_backward(dout, cache):
    """Batch normalization, backward pass (for a forward pass in train mode).

    Args:
        dout: upstream gradient, shape (N, D).
        cache: from batchnorm_forward.

    Returns:
        dx: shape (N, D).
        dgamma: shape (D,).
        dbeta: shape (D,).
    """
    x_hat, gamma, std = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    dx = (dx_hat - dx_hat.mean(axis=0) - x_hat * (dx_hat * x_hat).mean(axis=0)) / std
    return dx, dgamma, dbeta


# --- conv_forward
def conv_forward(x, w, b, conv_param):
    """Convolutional layer (cross-correlation, as torch's conv2d), forward pass.

    Args:
        x: inputs, shape (N, C, H, W).
        w: filters, shape (F, C, HH, WW).
        b: biases, shape (F,).
        conv_param: dict with 'stride' and 'pad' (zeros added on each side of H and W).

    Returns:
        out: shape (N, F, H_out, W_out), where H_out = 1 + (H + 2 * pad - HH) // stride
            and W_out = 1 + (W + 2 * pad - WW) // stride.
        cache: what conv_backward needs.
    """
    stride, pad = conv_param["stride"], conv_param["pad"]
    num_filters, num_channels, HH, WW = w.shape
    # channels last: the C values of a pixel are contiguous, and so are the copies below
    x_pad = np.pad(x.transpose(0, 2, 3, 1), ((0, 0), (pad, pad), (pad, pad), (0, 0)))
    # every HH x WW patch, every stride-th one: (N, H_out, W_out, C, HH, WW), no copy
    windows = sliding_window_view(x_pad, (HH, WW), axis=(1, 2))[:, ::stride, ::stride]
    N, H_out, W_out = windows.shape[:3]
    # im2col: one row per output position, its columns in (kh, kw, c) order,
    # (N * H_out * W_out, HH * WW * C)
    cols = windows.transpose(0, 1, 2, 4, 5, 3).reshape(N * H_out * W_out, -1)
    out = cols @ w.transpose(0, 2, 3, 1).reshape(num_filters, -1).T + b
    out = out.reshape(N, H_out, W_out, num_filters).transpose(0, 3, 1, 2)
    cache = (x.shape, w, cols, conv_param)
    return out, cache


# --- conv_backward
def conv_backward(dout, cache):
    """Convolutional layer, backward pass.

    Args:
        dout: upstream gradient, shape (N, F, H_out, W_out).
        cache: from conv_forward.

    Returns:
        dx: shape (N, C, H, W).
        dw: shape (F, C, HH, WW).
        db: shape (F,).
    """
    x_shape, w, cols, conv_param = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x_shape
    num_filters, _, HH, WW = w.shape
    H_out, W_out = dout.shape[2:]
    dout_rows = dout.transpose(0, 2, 3, 1).reshape(-1, num_filters)  # like cols' rows
    db = dout_rows.sum(axis=0)
    dw = (dout_rows.T @ cols).reshape(num_filters, HH, WW, C).transpose(0, 3, 1, 2)
    # col2im, one kernel offset at a time: the pixel every patch holds at offset (kh, kw)
    # gets dout_rows @ w[:, :, kh, kw], added straight back into place (channels last,
    # so the additions are contiguous), without building every patch's gradient at once
    dx_pad = np.zeros((N, H + 2 * pad, W + 2 * pad, C), dtype=dout.dtype)
    for kh in range(HH):
        for kw in range(WW):
            rows = slice(kh, kh + stride * H_out, stride)
            columns = slice(kw, kw + stride * W_out, stride)
            dx_pad[:, rows, columns] += (dout_rows @ w[:, :, kh, kw]).reshape(N, H_out, W_out, C)
    dx_pad = dx_pad.transpose(0, 3, 1, 2)  # (N, C, H + 2 * pad, W + 2 * pad)
    dx = dx_pad[:, :, pad:pad + H, pad:pad + W]
    return dx, dw, db


# --- max_pool_forward
def max_pool_forward(x, pool_param):
    """Max-pooling, forward pass.

    Args:
        x: inputs, shape (N, C, H, W).
        pool_param: dict with 'pool_height', 'pool_width' and 'stride'.

    Returns:
        out: shape (N, C, H_out, W_out), where H_out = 1 + (H - pool_height) // stride
            and W_out = 1 + (W - pool_width) // stride.
        cache: what max_pool_backward needs.
    """
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    H_out = 1 + (H - ph) // stride
    W_out = 1 + (W - pw) // stride
    out = None
    for kh in range(ph):  # running maximum over the offsets within the window
        for kw in range(pw):
            values = x[:, :, kh:kh + stride * H_out:stride, kw:kw + stride * W_out:stride]
            out = values.copy() if out is None else np.maximum(out, values)
    cache = (x, out, pool_param)
    return out, cache


# --- max_pool_backward
def max_pool_backward(dout, cache):
    """Max-pooling, backward pass.

    Each window's gradient goes to its maximum; on a tie, to the first maximum in
    row-major order within the window (as torch). Overlapping windows add up.

    Args:
        dout: upstream gradient, shape (N, C, H_out, W_out).
        cache: from max_pool_forward.

    Returns:
        dx: shape (N, C, H, W).
    """
    x, out, pool_param = cache
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    H_out, W_out = out.shape[2:]
    dx = np.zeros(x.shape, dtype=dout.dtype)
    routed = np.zeros(out.shape, dtype=bool)  # windows whose maximum has been found
    for kh in range(ph):  # the offsets within the window, in row-major order
        for kw in range(pw):
            rows = slice(kh, kh + stride * H_out, stride)
            columns = slice(kw, kw + stride * W_out, stride)
            is_max = (x[:, :, rows, columns] == out) & ~routed
            dx[:, :, rows, columns] += dout * is_max
            routed |= is_max
    return dx


# --- logistic_loss
def logistic_loss(x, y):
    """Binary logistic loss (sigmoid cross-entropy), averaged over the batch.

    Args:
        x: scores, shape (N,).
        y: labels in {0, 1}, shape (N,).

    Returns:
        loss: a scalar, the mean over the N examples.
        dx: gradient of the loss with respect to x, shape (N,).
    """
    t = 2 * y - 1
    margins = t * x
    loss = np.logaddexp(0, -margins).mean()
    # sigmoid(-margins), computed without overflow for scores of either sign
    dx = -t * np.exp(-np.logaddexp(0, margins)) / x.shape[0]
    return loss, dx


# --- svm_loss
def svm_loss(x, y):
    """Binary hinge loss with margin 1, averaged over the batch.

    Args:
        x: scores, shape (N,).
        y: labels in {0, 1}, shape (N,); class 1 wants a positive score.

    Returns:
        loss: a scalar, the mean over the N examples.
        dx: gradient of the loss with respect to x, shape (N,).
    """
    t = 2 * y - 1
    margins = 1 - t * x
    loss = np.maximum(0, margins).mean()
    dx = -t * (margins > 0) / x.shape[0]
    return loss, dx


# --- softmax_loss
def softmax_loss(x, y):
    """Softmax cross-entropy loss, averaged over the batch; stable for large scores.

    Args:
        x: scores, shape (N, C).
        y: class indices in {0, ..., C - 1}, shape (N,).

    Returns:
        loss: a scalar, the mean over the N examples.
        dx: gradient of the loss with respect to x, shape (N, C).
    """
    N = x.shape[0]
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(N), y].mean()
    dx = np.exp(log_probs)
    dx[np.arange(N), y] -= 1
    dx /= N
    return loss, dx
