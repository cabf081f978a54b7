def jvp_for_loop(x, n, dx, dn):
    y = x
    t0 = range(n)
    dy = dx
    for i in t0:
        t1 = y * x
        dt1 = dy * x + y * dx
        y = t1 + i
        dy = dt1
    return y, dy
