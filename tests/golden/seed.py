def grad_seed(x):
    t0 = np.exp(x)
    t1 = x * x
    out = t0 + t1
    require_scalar(out, 'seed')
    bout = 1.0
    # grad of: return np.exp(x) + x * x
    bx = bout * x + bout * x
    bx = bx + bout * t0
    return bx
