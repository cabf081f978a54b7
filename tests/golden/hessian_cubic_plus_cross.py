def jvp_grad_cubic_plus_cross(x, dx):
    t0 = x ** 3
    t1 = np.sum(t0)
    t2 = x[0]
    dt2 = dx[0]
    t3 = x[1]
    dt3 = dx[1]
    t4 = t2 * t3
    out = t1 + t4
    require_scalar(out, 'cubic_plus_cross')
    bout = 1.0
    bt1 = sum_to_scalar(bout)
    t6 = bout * t3
    dt6 = bout * dt3
    bt2 = unbroadcast(t6, t2)
    dbt2 = unbroadcast(dt6, t2)
    t7 = bout * t2
    dt7 = bout * dt2
    bt3 = unbroadcast(t7, t3)
    dbt3 = unbroadcast(dt7, t3)
    bx = getitem_vjp(bt3, x, 1)
    dbx = getitem_vjp(dbt3, x, 1)
    bx_1 = index_add(bx, 0, bt2)
    dbx_1 = dbx + getitem_vjp(dbt2, bx, 0)
    t8 = bt1 * 3
    t9 = x ** 2
    dt9 = dx * 2 * x
    t10 = t8 * t9
    dt10 = t8 * dt9
    bx = bx_1 + t10
    dbx = broadcast_as(dbx_1, bx) + broadcast_as(dt10, bx)
    return bx, dbx
