def grad_scalar_math(a, b):
    r = math.hypot(a, b)
    t0 = math.log1p(r)
    t1 = math.atan2(b, a)
    bout = 1.0
    # grad of: return math.log1p(r) * math.atan2(b, a)
    bt0 = bout * t1
    bt1 = bout * t0
    t2 = a ** 2 + b ** 2
    bb = bt1 * a / t2
    ba = -bt1 * b / t2
    br = bt0 / (1 + r)
    # grad of: r = math.hypot(a, b)
    ba = ba + br * a / r
    bb = bb + br * b / r
    return ba, bb
