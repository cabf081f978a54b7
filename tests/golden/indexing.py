def grad_indexing(x):
    first = x[0]
    rest = x[1:]
    t0 = rest ** 2
    t1 = np.sum(t0)
    t2 = first * t1
    t3 = x[-1, 0]
    out = t2 + t3
    require_scalar(out, 'indexing')
    bout = 1.0
    # grad of: return first * np.sum(rest ** 2) + x[-1, 0]
    bt2 = unbroadcast(bout, t2)
    bt3 = unbroadcast(bout, t3)
    bx = getitem_vjp(bt3, x, (-1, 0))
    bfirst = bt2 * t1
    bt1 = sum_to_scalar(bt2 * first)
    brest = bt1 * 2 * rest
    # grad of: rest = x[1:]
    bx = index_add(bx, slice(1, None, None), brest)
    # grad of: first = x[0]
    bx = index_add(bx, 0, bfirst)
    return bx
