def grad_dense_layer(W, b, x):
    t0 = W @ x
    t1 = t0 + b
    h = np.tanh(t1)
    bout = 1.0
    # grad of: return np.sum(h * h)
    bh = (bout + bout) * h
    # grad of: h = np.tanh(W @ x + b)
    bt1 = bh * (1 - h ** 2)
    bt0 = unbroadcast(bt1, t0)
    bb = unbroadcast(bt1, b)
    bW = matmul_vjp_x(bt0, W, x)
    return bW, bb
