def grad_while_with_break(x):
    y = x
    k = 0
    broke = False
    res_y = []
    trips = 0
    while y < 100.0:
        res_y.append(y)
        t0 = y * y
        y = t0 + 1.0
        k = k + 1
        t1 = k > 10
        if t1:
            broke = True
        trips = trips + 1
        if broke:
            break
    require_scalar(y, 'while_with_break')
    by = 1.0
    for it in reversed(range(trips)):
        y = res_y[it]
        # grad of: y = y * y + 1.0
        by = by * y + by * y
    return by
