def grad_calls_helper(x, y):
    t0, helper_res = helper_fwd(x, y)
    t1 = x * 2.0
    t2, helper_res_1 = helper_fwd(y, t1)
    out = t0 + t2
    require_scalar(out, 'calls_helper')
    bout = 1.0
    # grad of: return helper(x, y) + helper(y, x * 2.0)
    bt0 = unbroadcast(bout, t0)
    bt2 = unbroadcast(bout, t2)
    by, bt1 = helper_bwd(helper_res_1, bt2)
    bx = bt1 * 2.0
    t3, t4 = helper_bwd(helper_res, bt0)
    bx = bx + t3
    by = add_grads(by, t4)
    return bx, by
