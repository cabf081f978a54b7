def grad_softmax_cross_entropy(logits, y):
    t0 = np.max(logits, axis=1, keepdims=True)
    z = logits - t0
    t1 = np.exp(z)
    t2 = np.exp(z)
    t3 = np.sum(t2, axis=1, keepdims=True)
    p = t1 / t3
    t4 = np.log(p)
    t5 = y * t4
    t6 = np.sum(t5, axis=1)
    bout = 1.0
    # grad of: return -np.mean(np.sum(y * np.log(p), axis=1))
    bt = -bout
    bt6 = bt / np.size(t6)
    bt5 = unreduce(bt6, t5, None)
    bt4 = unbroadcast(bt5 * y, t4)
    bp = bt4 / p
    # grad of: p = np.exp(z) / np.sum(np.exp(z), axis=1, keepdims=True)
    bt1 = bp / t3
    bt3 = unbroadcast(-bp * p / t3, t3)
    bt2 = unreduce(bt3, t2, 1)
    bz = bt2 * t2
    bz = bz + bt1 * t1
    # grad of: z = logits - np.max(logits, axis=1, keepdims=True)
    bt0 = -unbroadcast(bz, t0)
    blogits = bz + reduce_max_vjp(bt0, t0, logits, 1)
    return blogits
