def jvp_branch_in_loop(x, n, dx, dn):
    s = 0.0
    t0 = range(n)
    ds = 0.0
    for i in t0:
        t1 = x * i
        t2 = t1 > 1.0
        if t2:
            t3 = x * i
            dt3 = dx * i
            t4 = np.sin(t3)
            dt4 = dt3 * np.cos(t3)
            s = s + t4
            ds = broadcast_as(ds, s) + broadcast_as(dt4, s)
        else:
            s = s - x
            ds = broadcast_as(ds, s) - broadcast_as(dx, s)
    return s, ds
