def jvp_grad_for_loop(x, n, dx, dn):
    y = x
    t0 = range(n)
    res_y = []
    t2 = len(t0)
    t3 = range(t2)
    dres_y = zeros_like(res_y)
    dy = dx
    for i2 in t3:
        i = t0[i2]
        res_y.append(y)
        dres_y.append(dy)
        t1 = y * x
        dt1 = dy * x + y * dx
        y = t1 + i
        dy = broadcast_as(dt1, y)
    require_scalar(y, 'for_loop')
    by = 1.0
    bx = zeros_like(x)
    t5 = len(t0)
    seq = range(t5)
    n2 = len(seq)
    t6 = range(n2)
    dbx = zeros_like(bx)
    dby = 0.0
    for i3 in t6:
        t7 = n2 - 1
        t8 = t7 - i3
        i = seq[t8]
        y = res_y[i]
        dy = dres_y[i]
        t9 = by * y
        dt9 = dby * y + by * dy
        bx = bx + t9
        dbx = broadcast_as(dbx, bx) + broadcast_as(dt9, bx)
        by_1 = by * x
        dby_1 = dby * x + by * dx
        by, dby = by_1, dby_1
    bx = bx + by
    dbx = broadcast_as(dbx, bx) + broadcast_as(dby, bx)
    return bx, dbx
