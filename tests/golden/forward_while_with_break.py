def jvp_while_with_break(x, dx):
    y = x
    k = 0
    broke = False
    dy = dx
    while y < 100.0:
        t0 = y * y
        dt0 = dy * y + y * dy
        y = t0 + 1.0
        k = k + 1
        t1 = k > 10
        if t1:
            broke = True
        dy = dt0
        if broke:
            break
    return y, dy
