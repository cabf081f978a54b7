def jvp_item_writes_in_loop(x, dx):
    out = np.zeros(3)
    t0 = range(3)
    dout = zeros_like(out)
    for i in t0:
        t1 = x * i
        dt1 = dx * i
        out[i] = t1
        dout[i] = written_tangent(dt1, out)
    t2 = out * out
    dt2 = dout * out + out * dout
    out = np.sum(t2)
    dout = np.sum(dt2, axis=None, keepdims=False)
    return out, dout
