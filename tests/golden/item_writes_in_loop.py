def grad_item_writes_in_loop(x):
    out = np.zeros(3)
    t0 = range(3)
    res_t = []
    out_1 = out
    for i in t0:
        t1 = x * i
        res_t.append(t1)
        out_1[i] = t1
    bout = 1.0
    # grad of: return np.sum(out * out)
    bout_1 = (bout + bout) * out_1
    bx = zeros_like(x)
    for it in reversed(range(len(t0))):
        i = t0[it]
        t1 = res_t[it]
        # grad of: out[i] = x * i
        bt1 = setitem_value_vjp(bout_1, i, t1, out)
        bout_1 = zero_at(bout_1, i)
        bx = bx + bt1 * i
    return bx
