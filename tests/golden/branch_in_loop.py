def grad_branch_in_loop(x, n):
    s = 0.0
    t0 = range(n)
    res_t = []
    res_s = []
    res_t_1 = []
    res_t_2 = []
    for i in t0:
        res_s.append(s)
        t1 = x * i
        t2 = t1 > 1.0
        res_t_2.append(t2)
        if t2:
            t3 = x * i
            res_t_1.append(t3)
            t4 = np.sin(t3)
            res_t.append(t4)
            s = s + t4
        else:
            s = s - x
            res_t_1.append(None)
            res_t.append(None)
    require_scalar(s, 'branch_in_loop')
    bs = 1.0
    bx = zeros_like(x)
    for it in reversed(range(len(t0))):
        i = t0[it]
        t4 = res_t[it]
        s = res_s[it]
        t3 = res_t_1[it]
        t2 = res_t_2[it]
        if t2:
            # grad of: s = s + np.sin(x * i)
            bt4 = unbroadcast(bs, t4)
            bs = unbroadcast(bs, s)
            bt3 = bt4 * np.cos(t3)
            bx = bx + bt3 * i
        else:
            # grad of: s = s - x
            bx = bx - unbroadcast(bs, x)
            bs = unbroadcast(bs, s)
    return bx
