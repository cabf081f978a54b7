def jvp_grad_sin_times_square(x, dx):
    t0 = np.sin(x)
    dt0 = dx * np.cos(x)
    t1 = t0 * x
    dt1 = dt0 * x + t0 * dx
    out = t1 * x
    require_scalar(out, 'sin_times_square')
    bout = 1.0
    bt1 = bout * x
    dbt1 = bout * dx
    bx = bout * t1
    dbx = bout * dt1
    t3 = bt1 * t0
    dt3 = dbt1 * t0 + bt1 * dt0
    bx = bx + t3
    dbx = dbx + dt3
    bt0 = bt1 * x
    dbt0 = dbt1 * x + bt1 * dx
    t4 = np.cos(x)
    dt4 = -dx * np.sin(x)
    t5 = bt0 * t4
    dt5 = dbt0 * t4 + bt0 * dt4
    bx = bx + t5
    dbx = dbx + dt5
    return bx, dbx
