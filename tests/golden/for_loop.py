def grad_for_loop(x, n):
    y = x
    t0 = range(n)
    res_y = []
    for i in t0:
        res_y.append(y)
        t1 = y * x
        y = t1 + i
    require_scalar(y, 'for_loop')
    by = 1.0
    bx = zeros_like(x)
    for i in reversed(range(len(t0))):
        y = res_y[i]
        # grad of: y = y * x + i
        bx = bx + by * y
        by = by * x
    # grad of: y = x
    bx = bx + by
    return bx
