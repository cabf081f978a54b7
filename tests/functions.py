"""A corpus of small numeric functions, one control-flow shape each.

Like Tangent's ``tests/functions.py``: plain Python/NumPy as a numeric
programmer writes it, referring to NumPy only as the module-level name
``np``, so the *same* source text can be re-executed with ``np`` bound to
the tape oracle's ``tnp`` (see ``test_control_flow.tape_version``).

Every function is registered with :func:`case`, which records the input
points (one argument tuple per point; chosen on both sides of every branch
and away from kinks), which arguments to differentiate (``wrt``, as for
``s2s_ad.grad``) and whether the tape oracle can run it (``tape=False`` for
dict arguments, which the tape cannot wrap). The decorator returns the
function unchanged, and s2s_ad drops decorators when it reads the source.

Integer arguments (loop bounds, selectors) and boolean flags are never
differentiated: ``range(n)`` has no derivative in ``n``.
"""

# The corpus is written as numeric code usually is: plain zip(x, y), whose
# strict=True form has its own case (for_zip_strict).
# ruff: noqa: B905

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Case:
    fn: object
    points: tuple
    wrt: object = 0
    tape: bool = True
    tags: tuple = field(default_factory=tuple)

    @property
    def name(self) -> str:
        return self.fn.__name__


CASES: list[Case] = []


def case(*points, wrt=0, tape=True, tags=()):
    """Register the decorated function with its input points."""
    def register(fn):
        CASES.append(Case(fn, points, wrt, tape, tuple(tags)))
        return fn
    return register


def arr(*values):
    return np.array(values, dtype=np.float64)


V3 = arr(0.3, -1.2, 2.0)
V4 = arr(0.9, -0.4, 1.7, 0.25)
V5 = arr(-0.8, 0.35, 1.1, -1.6, 0.6)
POS4 = arr(0.4, 1.3, 0.7, 2.1)
A23 = np.array([[0.5, -0.3, 1.2], [0.8, 0.1, -0.7]])
A33 = np.array([[0.4, -0.2, 0.3], [0.1, 0.5, -0.6], [-0.3, 0.2, 0.35]])
B33 = np.array([[0.2, 0.6, -0.1], [-0.5, 0.3, 0.4], [0.25, -0.15, 0.1]])


# ===================================================================== branches


@case((0.7,), (-0.7,))
def if_on_sign(x):
    if x > 0:
        y = x * x
    else:
        y = -2.0 * x
    return y


@case((-1.5,), (0.3,), (2.0,))
def if_elif_else(x):
    if x < -1.0:
        y = np.exp(x)
    elif x < 1.0:
        y = x * x * x
    else:
        y = np.sin(x) * x
    return y


@case((1.5, 0.5), (0.5, 2.0), (1.5, -0.5), (-1.0, 0.3), (-3.0, 1.0), (-1.0, -0.5),
      (-1.0, -2.0), wrt=(0, 1))
def nested_if_depth3(x, y):
    if x > 0:
        if y > 0:
            if x > 1:
                z = x * y
            else:
                z = x + y * y
        else:
            z = np.sin(x) * y
    else:
        if y > 0:
            if x > -2:
                z = np.exp(x) * y
            else:
                z = x * x
        elif y > -1:
            z = y - x * y
        else:
            z = np.cos(y) + x
    return z


@case((0.6, 0), (0.6, 1), (0.6, 2), (-0.6, 2))
def if_on_int_argument(x, k):
    if k == 0:
        y = np.sin(x)
    elif k == 1:
        y = x * x
    else:
        if x > 0:
            y = np.log(x)
        else:
            y = x
    return y * x


@case((0.8, True), (0.8, False))
def if_on_flag(x, flag):
    y = x * 2.0
    if flag:
        y = np.tanh(y)
    return y * x


@case((0.5,), (1.5,))
def if_without_else(x):
    y = np.sin(x)
    if x > 1.0:
        y = y * x
    return y + x


@case((0.9,), (-0.9,))
def first_assigned_in_branch(x):
    if x > 0:
        z = np.sin(x)
        w = x
    else:
        z = np.cos(x)
        w = x * x
    return z * w


@case((arr(0.5, 1.0, -0.2),), (arr(-0.5, -1.0, 0.2),))
def if_on_array_reduction(x):
    if np.sum(x) > 0:
        return np.sum(x * x * x)
    return np.sum(np.exp(x))


@case((0.4, 1.3), (-0.4, 1.3), wrt=(0, 1))
def branch_modifies_one_of_two(x, y):
    a = x * y
    b = x + y
    if a > 0:
        a = a * a
    return a + b * b


@case((0.7,), (-0.7,))
def early_return_in_branch(x):
    if x > 0:
        return x * 2.0 + np.sin(x)
    return x ** 3


@case((-1.5,), (-0.3,), (0.8,), (1.5,))
def several_returns(x):
    if x < -1.0:
        return x * x
    y = np.sin(x)
    if x < 0.5:
        return y * 2.0
    z = y * x
    if z > 1.0:
        return z
    return z + y


@case((0.7, 2.0), (0.7, -2.0), (-0.7, 2.0), (-0.7, -2.0), wrt=(0, 1))
def shared_intermediate_in_branches(x, y):
    t = np.exp(x * 0.5)
    if y > 0:
        if x > 0:
            u = t * y
        else:
            u = t + y
    else:
        u = t * t - y
    return u * t


@case((arr(0.2, -0.4, 0.9), 0), (arr(0.2, -0.4, 0.9), 1), (arr(0.2, -0.4, 0.9), 2),
      (arr(0.2, -0.4, 0.9), 3))
def activation_by_index(x, kind):
    if kind == 0:
        y = np.tanh(x)
    elif kind == 1:
        y = np.maximum(x, 0.0)
    elif kind == 2:
        y = 1.0 / (1.0 + np.exp(-x))
    else:
        y = x
    return np.sum(y * y)


@case((0.3,), (-0.3,))
def not_operator(x):
    if not x > 0:
        return np.exp(x)
    return np.cos(x)


# ===================================================================== ternaries


@case((1.3,), (-1.3,))
def ternary(x):
    y = x * x if x > 0 else -x
    return y + x


@case((-2.0,), (-0.5,), (0.5,), (2.0,))
def nested_ternary(x):
    y = np.sin(x) if x > 1 else (x * x if x > 0 else (x ** 3 if x > -1 else -x))
    return y * 3.0


@case((0.6, 1.2), (1.2, 0.6), wrt=(0, 1))
def ternary_inside_expression(x, y):
    return (x if x > y else y) * x + np.sin(y if x < y else x)


@case((0.6, 0), (0.6, 3))
def ternary_on_int_argument(x, n):
    scale = 2.0 if n > 1 else 0.5
    return scale * x * x


# ============================================================ and / or, chains


@case((0.5, 0.5), (0.5, -0.5), (-0.5, 0.5), wrt=(0, 1))
def and_condition(x, y):
    if x > 0 and y > 0:
        return x * y
    return x + y * y


@case((1.5, 0.0), (0.5, -1.5), (0.5, 0.5), wrt=(0, 1))
def or_condition(x, y):
    if x > 1 or y < -1:
        return np.sin(x) * y
    return x * x - y


@case((0.8, 1.3, 0), (0.8, 1.3, 1), wrt=(0, 1))
def or_returns_float_operand(x, y, k):
    a = x * k
    b = a or y          # a is 0.0 when k == 0, so b is y
    return b * x + np.sin(b)


@case((0.8, 1.3, 0), (0.8, 1.3, 1), wrt=(0, 1))
def and_returns_float_operand(x, y, k):
    a = x * k
    b = a and y         # a is 0.0 when k == 0, so b is a
    return b * x + x


@case((0.7, 1.3), (-0.7, 1.3), wrt=(0, 1))
def or_of_computed_floats(x, y):
    c = x if x > 0 else 0.0
    r = c or y
    return r * r + y


@case((0.8, 0), (0.8, 2), (2.0, 2))
def and_guards_division(x, n):
    # x / n raises ZeroDivisionError when n == 0: only short-circuit saves it
    if n > 0 and x / n > 0.5:
        return x * x
    return 3.0 * x


@case((0.8, 0), (0.8, 2), (3.0, 2))
def or_guards_division(x, n):
    if n == 0 or x / n < 1.0:
        return np.sin(x)
    return x * x


@case((0.6, 1.0, 0.5), (0.6, -1.0, 0.5), (-0.6, -1.0, 0.5), wrt=(0, 1, 2))
def bool_ops_mixed(x, y, z):
    if (x > 0 or y > 0) and not z < 0:
        return x * y * z
    return x - y + z


@case((-0.5,), (0.5,), (1.5,))
def chained_comparison(x):
    if 0.0 < x < 1.0:
        return x * x * x
    return 2.0 * x


@case((1.0, 1.5), (1.0, 2.5), (1.0, 0.5), wrt=(0, 1))
def chained_comparison_on_data(x, y):
    if x < y < 2.0 * x:
        return x * y
    return x - y * y


@case((1.7,), (0.6,))
def chained_comparison_in_while(x):
    y = 1.0
    while 0.1 < y < 100.0:
        y = y * x
    return y


# ========================================================== for over range(...)


@case((0.9, 0), (0.9, 1), (0.9, 4), (-1.1, 3))
def for_range_power(x, n):
    y = 1.0
    for _ in range(n):
        y = y * x
    return y


@case((0.7,))
def for_range_start_stop(x):
    y = 0.0
    for i in range(2, 6):
        y = y + np.sin(x * i) / i
    return y


@case((0.7,), (-1.3,))
def for_range_step(x):
    y = x
    for i in range(1, 10, 3):
        y = y * x + i
    return y


@case((0.7,), (-1.3,))
def for_range_negative_step(x):
    y = 0.0
    for i in range(5, 0, -1):          # Horner: sum of i * x**(i-1)
        y = y * x + i
    return y


@case((0.7, 6, 0), (0.7, 5, -1), (0.7, 0, 6))
def for_range_negative_step_int_bounds(x, hi, lo):
    y = x
    for i in range(hi, lo, -2):
        y = np.sin(y) * x + 0.1 * i
    return y


@case((0.7,))
def for_range_literal_zero_trip(x):
    y = x * 2.0
    for i in range(3, 3):
        y = y * x + i
    return y * x


@case((0.7, 0, 3), (0.7, 2, 5), (0.7, 4, 2), (-1.2, 1, 4))
def for_range_bounds_from_arguments(x, lo, hi):
    y = 0.0
    for i in range(lo, hi):
        y = y + x ** i
    return y + x


@case((0.8, 0), (0.8, 5))
def loop_counter_parity(x, n):
    y = x
    for i in range(n):
        if i % 2 == 0:
            y = y * x
        else:
            y = y + np.sin(x)
    return y


@case((V4,), (V5,))
def for_range_len_with_indexing(x):
    s = 0.0
    for i in range(1, len(x)):
        s = s + x[i] * x[i - 1]
    return s


@case((V4,), (V5,))
def for_range_len_down_to_zero(x):
    h = 0.0
    for i in range(len(x) - 1, -1, -1):
        h = np.tanh(h + x[i]) * (i + 1)
    return h


# ================================================== for over arrays, lists, ...


@case((V3,), (V5,))
def for_over_1d_array(x):
    s = 0.0
    for v in x:
        s = s * 0.5 + v * v
    return s


@case((A23, arr(0.2, -0.4, 0.9)), wrt=(0, 1))
def for_over_rows(A, w):
    acc = 0.0
    for row in A:
        acc = acc + np.tanh(np.sum(row * w))
    return acc


@case((A23,), (A33,))
def for_over_rows_carried_array(A):
    p = np.ones(A.shape[1])
    for row in A:
        p = p * row + 0.1
    return np.sum(p * p)


@case(([arr(0.5, -0.2), arr(0.3, 0.9), arr(-0.4, 0.1)],), ([],))
def for_over_list_of_arrays(xs):
    total = 0.0
    for a in xs:
        total = total * 0.5 + np.sum(a * a) * (1.0 + total)
    return total


@case(((arr(0.5, -0.2, 0.1), arr(1.1, 0.3, -0.6)), arr(0.4, 0.8, -0.3)), wrt=(0, 1))
def for_over_tuple_of_arrays(ws, x):
    h = x
    for w in ws:
        h = np.sin(w * h + 0.5)
    return np.sum(h)


@case((V3,), (V5,))
def for_enumerate(x):
    s = 0.0
    for i, v in enumerate(x):
        s = s + (i + 1) * v * v - s * 0.1 * i
    return s


@case(([arr(0.5, -0.2), arr(0.3, 0.9), arr(-0.4, 0.1)],))
def for_enumerate_list_of_arrays(xs):
    s = 0.0
    for i, a in enumerate(xs):
        s = s + np.sum(np.sin(a * (i + 1)))
    return s


@case((V3, arr(0.4, 0.8, -1.1)), wrt=(0, 1))
def for_zip(x, y):
    s = 0.0
    for a, b in zip(x, y):
        s = s + a * np.sin(b) + s * a * 0.1
    return s


@case((V3, arr(0.4, 0.8, -1.1)), wrt=(0, 1))
def for_zip_strict(x, y):
    s = 0.0
    for a, b in zip(x, y, strict=True):
        s = s + a * np.sin(b)
    return s


@case((V3, arr(0.4, 0.8, -1.1), arr(1.5, -0.5, 0.2)), wrt=(0, 1, 2))
def for_zip_three(x, y, z):
    s = 1.0
    for a, b, c in zip(x, y, z):
        s = s * (a + b * c)
    return s


@case(([A33, B33], [arr(0.1, -0.2, 0.3), arr(0.0, 0.2, -0.1)], arr(0.5, -0.4, 0.8)),
      wrt=(0, 1, 2))
def mlp_zip_layers(ws, bs, x):
    h = x
    for W, b in zip(ws, bs):
        h = np.tanh(W @ h + b)
    return np.sum(h * h)


@case((V3, arr(0.4, 0.8, -1.1)), wrt=(0, 1))
def for_enumerate_zip(x, y):
    s = 0.0
    for i, (a, b) in enumerate(zip(x, y)):
        s = s + (i + 1) * a * b * b
    return s


@case((V3,), (V5,))
def for_reversed_array(x):
    h = 0.0
    for v in reversed(x):
        h = h * 0.5 + v
    return h * h


@case((0.7, 0), (0.7, 4))
def for_reversed_range(x, n):
    y = x
    for i in reversed(range(n)):
        y = y * x + i * y * 0.1
    return y


@case(([0.5, -1.5, 2.0], 0.7), wrt=(0, 1))
def for_reversed_list(coeffs, x):
    y = 0.0
    for c in reversed(coeffs):        # Horner, coefficients in ascending order
        y = y * x + c
    return y


@case((0.7, {"a": 1.0, "bb": -0.5, "ccc": 0.25}), tape=False)
def for_dict_items(x, d):
    s = 0.0
    for name, w in d.items():
        s = s + w * x ** len(name)
    return s


@case(({"u": 0.3, "v": -1.1}, 0.8), wrt=(0, 1), tape=False)
def for_dict_values(d, x):
    s = 0.0
    for v in d.values():
        s = s + np.sin(v * x)
    return s


@case(({"u": arr(0.3, 0.5), "v": arr(-1.1, 0.2)}, 0.8), wrt=(0, 1), tape=False)
def for_dict_keys(d, x):
    s = 0.0
    for k in d.keys():
        s = s + np.sum(d[k] * d[k]) * x
    return s


@case((arr(1.0, 0.0, -2.0, 0.5), V4), wrt=1)
def for_over_array_slice(c, x):
    s = 0.0
    for v in x[1:]:
        s = s * x[0] + v
    return s + np.sum(c * x)


# ================================================================ nested loops


@case((V4,), (V5,))
def nested_triangular(x):
    s = 0.0
    n = len(x)
    for i in range(n):
        for j in range(i):
            s = s + x[i] * x[j] * (j + 1)
    return s


@case((0.6, 0), (0.6, 1), (0.6, 3))
def nested_three_levels(x, n):
    y = x
    for i in range(n):
        for j in range(i + 1):
            for k in range(j, i + 1):
                y = y + 0.1 * np.sin(y * x + k)
    return y


@case((V4, 3), (V5, 5))
def nested_carried_array(x, n):
    v = x
    for i in range(n):
        for j in range(i, n):
            v = np.tanh(v * 0.9 + 0.1 * j)
    return np.sum(v * x)


@case((A23,), (A33,))
def nested_rows_elements_branch(A):
    s = 0.0
    for row in A:
        for v in row:
            if v > 0:
                s = s + v * v
            else:
                s = s - 0.5 * v * s
    return s


# =================================================== loop-carried state, swaps


@case((0.9, 0), (0.9, 1), (0.9, 6))
def fibonacci_like_swap(x, n):
    a = 1.0
    b = x
    for _ in range(n):
        a, b = b, a * x + b
    return b


@case((0.6, -0.4, 0), (0.6, -0.4, 3), (0.6, -0.4, 4), wrt=(0, 1))
def swap_then_update(x, y, n):
    a = x
    b = y
    for _ in range(n):
        a, b = b, a
        a = a * 1.5 + b * b * 0.1
    return a - 2.0 * b


@case((V3, 0), (V3, 3))
def carried_array(x, n):
    v = x
    for _ in range(n):
        v = np.tanh(v * 1.3 + 0.1 * np.sum(v))
    return np.sum(v * v)


@case((V3, 4))
def loop_sum_of_array_sums(x, n):
    total = 0.0
    for i in range(n):
        total = total + np.sum(np.sin(x * (i + 1)))
    return total


@case((3.3, 6), (0.3, 5), (-2.7, 4))
def loop_ternary_update(x, n):
    for _ in range(n):
        x = x * 0.5 if x > 1 else x + 1
    return x * x


@case((3.3, 6), (0.3, 5), (-0.7, 3))
def branch_predicate_changes_per_iteration(x, n):
    y = x
    for _ in range(n):
        if y > 1.0:
            y = y / 2.0
        else:
            y = 3.0 * y + np.sin(y)
    return y


@case((0.7, 1), (0.7, 4))
def first_assigned_in_loop(x, n):
    for i in range(n):
        last = x * (i + 1)
        z = np.sin(last)
    return last + z


@case((V4,), (V5,))
def first_assigned_in_branch_in_loop(x):
    for v in x:
        if v > 0:
            last_pos = v
    return last_pos * last_pos


@case((V4,), (V5,))
def loop_variable_used_after_loop(x):
    for v in x:
        w = v * 2.0
    return v * w + x[0]


@case((V4,), (V5,))
def running_max_ternary(x):
    m = x[0]
    for v in x:
        m = v if v > m else m
    return m * m


@case((V4,), (V5,), (arr(2.0, 1.0, 3.0, -1.0, 0.5),))
def online_logsumexp(x):
    m = x[0]
    s = 1.0
    for v in x[1:]:
        if v > m:
            s = s * np.exp(m - v) + 1.0
            m = v
        else:
            s = s + np.exp(v - m)
    return m + np.log(s)


@case((V3, 0.5, 2), (V3, -0.5, 3), wrt=(0, 1))
def augmented_assignment_in_loop(x, c, n):
    s = 0.0
    for i in range(n):
        s += np.sum(x * c) * i
        s *= 0.9
        s -= c
    return s


# ======================================================================= while


@case((2.0,), (0.3,), (9.0,))
def newton_sqrt(a):
    r = a
    while abs(r * r - a) > 1e-12 * a:
        r = 0.5 * (r + a / r)
    return r


# a = 2.0 would be a bad point: r = 1.0 is already the root, zero Newton steps
@case((2.5,), (-3.0,), (0.5,))
def newton_cubic_root_with_break(a):
    r = 1.0
    while True:
        f = r ** 3 + r - a
        if abs(f) < 1e-13:
            break
        r = r - f / (3.0 * r * r + 1.0)
    return r


@case((0.3,), (-0.8,))
def fixed_point_iteration(x):
    r = 0.0
    delta = 1.0
    while delta > 1e-13:
        r_new = 0.5 * np.cos(r) + x
        delta = abs(r_new - r)
        r = r_new
    return r


@case((0.8, 0), (0.8, 5))
def while_counter(x, n):
    i = 0
    y = 1.0
    while i < n:
        y = y * x + i
        i = i + 1
    return y


@case((5.0,), (0.4,), (13.0,))
def while_halving(x):
    y = x
    k = 0
    while y > 1.0:
        y = y * 0.5
        k = k + 1
    return y * y + k


@case((0.5,), (7.0,))
def while_counter_and_data(x):
    y = x
    i = 0
    while i < 20 and y < 5.0:
        y = y * 1.3 + 0.1
        i += 1
    return y * x


@case((0.7,), (2.2,))
def while_true_break(x):
    y = x
    while True:
        y = y * 1.5 + 0.2
        if y > 10.0:
            break
    return y * x


@case((0.7, 0), (0.7, 5))
def while_continue(x, n):
    i = 0
    y = x
    while i < n:
        i = i + 1
        if i % 2 == 0:
            continue
        y = np.sin(y) * x + y
    return y


@case((0.5,), (-0.5,))
def while_return(x):
    y = x
    i = 0
    while i < 100:
        y = y * 1.2
        if y > 3.0:
            return y - x
        i = i + 1
    return -y


@case((POS4,))
def while_in_for(x):
    total = 0.0
    for v in x:
        y = v
        while y < 10.0:
            y = y * 2.0 + 0.5
        total = total + y * v
    return total


@case((0.7,), (60.0,))
def for_in_while(x):
    y = x
    rounds = 0
    while y < 50.0:
        for i in range(3):
            y = y * 1.1 + i
        rounds = rounds + 1
    return y / (rounds + 1)


# ============================================================ break, continue


@case((0.9, 3), (1.4, 6), (2.5, 4))
def for_break(x, n):
    y = x
    for i in range(n):
        y = y * x
        if y > 3.0:
            break
    return y * (i + 1)


@case((V4,), (V5,), (POS4,))
def break_in_nested_if(x):
    s = 0.0
    for v in x:
        if v > 0:
            if s > 1.0:
                break
            s = s + v * v
        else:
            s = s - v
    return s


@case((V4,), (V5,))
def for_continue(x):
    s = 0.0
    for v in x:
        if v < 0:
            continue
        s = s + v ** 3 + s * v
    return s


@case((V5, 1), (V5, 2), (POS4, 3))
def continue_and_break(x, limit):
    s = 0.0
    count = 0
    for v in x:
        if v < 0:
            continue
        s = s + np.sqrt(v) * (1.0 + s)
        count = count + 1
        if count >= limit:
            break
    return s


@case((0.8, 4), (1.6, 4))
def break_in_inner_loop(x, n):
    s = 0.0
    for i in range(n):
        t = x
        for _ in range(n):
            t = t * 1.5
            if t > 2.0 + i:
                break
        s = s + t * (i + 1)
    return s


@case((0.6, 6), (1.3, 6))
def break_on_counter_and_data(x, n):
    y = x
    for i in range(n):
        if i >= 4:
            break
        if y > 2.0:
            continue
        y = y * y + 0.5
    return y


# ============================================================ returns in loops


@case((V4, 1.0), (V4, 5.0), (V5, 0.5))
def return_in_for(x, thr):
    s = 0.0
    for v in x:
        if v > thr:
            return s * v
        s = s + v * v
    return s


@case((arr(0.5, 0.8, 1.5, 0.2),), (arr(0.5, 0.8, 0.9, 0.2),))
def return_in_nested_loops(x):
    n = len(x)
    for i in range(n):
        for j in range(i + 1, n):
            if x[i] * x[j] > 1.0:
                return x[i] - x[j] * x[j]
    return np.sum(x * x)


@case((0.6, 5), (1.7, 5), (-0.6, 5))
def return_in_branch_in_loop_several(x, n):
    y = x
    for i in range(n):
        if y > 4.0:
            return y * i
        elif y < -4.0:
            return -y
        y = y * 2.0 + 0.1
    return y * y


# =============================================================== applications


@case((0.8, 1.2, 0), (0.8, 1.2, 10), (-0.3, 0.5, 7), wrt=(0, 1))
def euler_ode(k, y0, n):
    dt = 0.1
    y = y0
    t = 0.0
    for _ in range(n):
        y = y + dt * (-k * y + np.sin(t))
        t = t + dt
    return y


@case((1.3, 0.5, -0.2, 8), wrt=(0, 1, 2))
def rk4_oscillator(omega, p, v, n):
    dt = 0.1
    w2 = omega * omega
    for _ in range(n):
        k1p = v
        k1v = -w2 * p
        k2p = v + 0.5 * dt * k1v
        k2v = -w2 * (p + 0.5 * dt * k1p)
        k3p = v + 0.5 * dt * k2v
        k3v = -w2 * (p + 0.5 * dt * k2p)
        k4p = v + dt * k3v
        k4v = -w2 * (p + dt * k3p)
        p = p + dt / 6.0 * (k1p + 2.0 * k2p + 2.0 * k3p + k4p)
        v = v + dt / 6.0 * (k1v + 2.0 * k2v + 2.0 * k3v + k4v)
    return p * p + v


@case((A33, arr(0.5, -0.4, 0.8), 6), wrt=(0, 1))
def rk4_nonlinear_system(A, y0, n):
    h = 0.1
    y = y0
    for _ in range(n):
        k1 = A @ y + np.tanh(y)
        k2 = A @ (y + 0.5 * h * k1) + np.tanh(y + 0.5 * h * k1)
        k3 = A @ (y + 0.5 * h * k2) + np.tanh(y + 0.5 * h * k2)
        k4 = A @ (y + h * k3) + np.tanh(y + h * k3)
        y = y + h / 6.0 * (k1 + 2.0 * k2 + 2.0 * k3 + k4)
    return np.sum(y * y)


@case((A33, B33, arr(0.1, -0.2, 0.3),
       np.array([[0.5, -0.3, 0.2], [0.1, 0.9, -0.4], [-0.7, 0.2, 0.6], [0.3, 0.3, -0.1]])),
      wrt=(0, 1, 2, 3))
def rnn(W, U, h0, xs):
    h = h0
    for x_t in xs:
        h = np.tanh(W @ h + U @ x_t)
    return np.sum(h * h)


@case((A33, B33, [arr(0.5, -0.3, 0.2), arr(0.1, 0.9, -0.4), arr(-0.7, 0.2, 0.6)]),
      wrt=(0, 1, 2))
def rnn_over_list_with_outputs(W, U, xs):
    h = np.zeros(3)
    loss = 0.0
    for t, x_t in enumerate(xs):
        h = np.tanh(W @ h + U @ x_t)
        if t > 0:
            loss = loss + np.sum((h - x_t) ** 2)
    return loss


@case((A33, arr(1.0, 0.5, -0.3), 5), wrt=(0, 1))
def power_iteration(A, v, n):
    M = A @ A.T
    for _ in range(n):
        v = M @ v
        v = v / np.sqrt(np.sum(v * v))
    return v @ M @ v


@case((1.5, 0.2, 8), (-0.5, 2.0, 3), wrt=(0, 1))
def unrolled_gradient_descent(target, x0, n):
    x = x0
    lr = 0.1
    for _ in range(n):
        g = 2.0 * (x - target) + np.cos(x)
        x = x - lr * g
    return x * x


@case((0.3, arr(0.0, 1.0, 2.0, 4.0), arr(1.0, -0.5, 2.0, 0.3)),
      (2.5, arr(0.0, 1.0, 2.0, 4.0), arr(1.0, -0.5, 2.0, 0.3)),
      (1.5, arr(0.0, 1.0, 2.0, 4.0), arr(1.0, -0.5, 2.0, 0.3)), wrt=(0, 2))
def interpolate_table(x, xs, ys):
    i = 0
    while i < len(xs) - 2 and x > xs[i + 1]:
        i = i + 1
    t = (x - xs[i]) / (xs[i + 1] - xs[i])
    return ys[i] * (1.0 - t) + ys[i + 1] * t


@case((arr(1.0, -0.5, 2.0, 0.3), 0.7), (arr(1.0, -0.5, 2.0, 0.3), -1.4), wrt=(0, 1))
def horner_reversed_coefficients(coeffs, x):
    y = 0.0
    for c in reversed(coeffs):
        y = y * x + c
    return y


# ============================================ loops inside branches, and mixes


@case((0.7, 3), (-0.7, 3))
def loop_inside_branch(x, n):
    y = x
    if x > 0:
        for i in range(n):
            y = y * x + 0.1 * i
    else:
        y = np.exp(x)
    return y


@case((0.7,), (-0.7,))
def while_inside_branch(x):
    y = x
    if x > 0:
        while y < 5.0:
            y = y * 1.7
    return y * x


@case((0.7,), (-1.3,))
def while_in_while(x):
    y = x
    outer = 0
    while outer < 3:
        z = y * y + 0.1
        while z < 4.0:
            z = z * 1.5 + 0.1
        y = y + 0.1 * np.sin(z)
        outer = outer + 1
    return y


@case((0.7, 4), (-0.4, 3))
def loop_in_branch_in_loop(x, n):
    s = 0.0
    for i in range(n):
        if i % 2 == 0:
            for _ in range(2):
                s = s + np.sin(s + x)
        else:
            s = s * x
    return s


@case((arr(0.7, 0.8),), (arr(0.1, 0.4),), (arr(3.5, 4.0),))
def return_in_while_in_for(x):
    for v in x:
        y = v
        while y < 3.0:
            y = y * 2.0
            if y > 2.5:
                return y * v
    return np.sum(x * x)


@case((0.7, 3), (-0.7, 3))
def branch_then_loop(x, n):
    if x > 0:
        y = x * x
    else:
        y = -x
    for _ in range(n):
        y = y * x
    return y


@case((0.7, 3), (0.3, 3))
def loop_then_branch_on_result(x, n):
    y = x
    for _ in range(n):
        y = y * 1.5
    if y > 2.0:
        return np.sin(y)
    return y * y


@case((0.4, 5), (0.4, 2))
def return_on_loop_counter(x, n):
    y = x
    for i in range(n):
        y = np.sin(y) + x
        if i == 2:
            return y * 10.0
    return y


@case((arr(-0.5, 0.2),), (arr(0.5, 0.2),))
def constant_return_in_branch(x):
    if np.sum(x) < 0:
        return 0.0
    return np.sum(x * x)


@case((V3,), (V5,))
def loop_with_inactive_state_only(x):
    count = 0
    for v in x:
        if v > 0:
            count += 1
    return count * np.sum(x)


@case((A23,), (A33,))
def accumulator_changes_from_float_to_array(A):
    acc = 0.0
    for row in A:
        acc = acc * 0.5 + row * row
    return np.sum(acc * acc)


@case((V3, arr(0.4, 0.8, -1.1)), (arr(0.3, 0.9, 2.0), arr(0.4, 0.8, -1.1)), wrt=(0, 1))
def for_zip_break(x, y):
    s = 0.0
    for a, b in zip(x, y):
        if a * b > 0.5:
            break
        s = s + a * b
    return s


@case((V4,), (V5,))
def zip_array_with_its_shift(x):
    s = 0.0
    for a, b in zip(x, x[1:]):
        s = s + a * b * b
    return s


@case((V4, arr(0.2, -0.6)), wrt=(0, 1))
def zip_of_unequal_lengths(x, y):
    s = 0.0
    for a, b in zip(x, y):
        s = s + np.sin(a) * b
    return s


@case((A23,), (A33,))
def for_over_columns(A):
    s = 0.0
    for col in A.T:
        s = s + np.sum(col) ** 2
    return s


@case((0.7, -0.4), wrt=(0, 1))
def for_over_list_display_of_active_values(x, y):
    s = 0.0
    for t in [x, y, x * y]:
        s = s * 0.5 + np.sin(t)
    return s


@case((0.7,), (-1.3,))
def for_over_tuple_literal(x):
    s = 0.0
    for c in (1.0, -2.0, 0.5):
        s = s * x + c
    return s


@case((V3,), (arr(1.0, 2.0),))
def iterable_rebound_inside_loop(x):
    # Python iterates over the *original* x; the rebinding must not change that
    s = 0.0
    for v in x:
        x = x * 0.5
        s = s + v * np.sum(x)
    return s


@case((0.7,), (-0.7,))
def defined_in_branch_used_under_same_condition(x):
    if x > 0:
        t = x * 2.0
    y = x
    if x > 0:
        y = t * t
    return y


@case((V3,), (V5,))
def for_enumerate_with_start(x):
    s = 0.0
    for i, v in enumerate(x, 1):
        s = s * v + i
    return s


@case((V3,), (V5,))
def for_enumerate_reversed(x):
    s = 0.0
    for i, v in enumerate(reversed(x)):
        s = s * v + i
    return s


@case((V3, arr(0.4, 0.8, -1.1)), wrt=(0, 1))
def for_zip_with_reversed(x, y):
    s = 0.0
    for a, b in zip(x, reversed(y)):
        s = s * 0.5 + a * b
    return s


@case((0.7, {"a": 1.5, "b": -0.5}), tape=False)
def for_enumerate_dict_items(x, d):
    s = x
    for i, (_, w) in enumerate(d.items()):
        s = s * w + i * x
    return s


@case((0.5, 0.7, 0), (0.5, 0.7, 1), (0.5, 0.7, 2), wrt=(0, 1))
def or_chain_of_floats(x, y, k):
    a = x * k
    b = y * (k - 1)
    r = a or b or x + y          # the first truthy operand, else the last
    return r * r


@case((0.5, 1), (0.5, 0))
def and_or_idiom(x, k):
    r = k > 0 and x * 2.0 or x * 3.0
    return r * x


@case((0.3,), (0.05,))
def break_out_of_both_loops_with_flag(x):
    s = 0.0
    for i in range(4):
        done = False
        for j in range(4):
            s = s + x * (i + j) + 0.1 * s * s
            if s > 3.0:
                done = True
                break
        if done:
            break
    return s * s


@case((arr(0.5, 1.5, -0.3, 0.8),), (V5,))
def flag_toggled_each_iteration(x):
    positive = True
    s = 0.0
    for v in x:
        positive = not positive
        if positive:
            s = s + v * v
        else:
            s = s * v
    return s


@case((0.7, True), (-0.7, False))
def ternary_in_while_condition(x, flag):
    y = x
    while (y if flag else -y) < 5.0:
        y = y * 1.5 + (0.1 if flag else -0.1)
    return y * x


@case((0.7, 3), (0.7, 0), (0.7, 9))
def int_and_data_in_while_condition(x, n):
    y = x
    while n and y < 5.0:
        y = y * 1.5 + np.sin(y)
        n = n - 1
    return y


@case((arr(0.5, 1.5),), (arr(0.5, 0.7),))
def return_the_loop_variable(x):
    for v in x:
        if v > 1.0:
            return v
    return x[0] * 2.0


@case((arr(0.3, -0.5),), (arr(2.0, 0.1),))
def while_on_array_state(x):
    v = x
    k = 0
    while np.max(np.abs(v)) < 5.0 and k < 30:
        v = v * 1.3 + np.sin(v)
        k = k + 1
    return np.sum(v * v)


@case((np.array([[0.3, -0.5], [0.8, 0.9], [0.1, 0.2]]),), (np.array([[0.3, -0.5], [0.1, 0.1]]),))
def row_used_after_break(A):
    for row in A:
        if np.sum(row) > 1.0:
            break
    return np.sum(row * row)


@case((arr(0.3, -0.5, 0.2), 3), (arr(0.3, 1.7, 0.2), 3), (arr(0.3, -1.7, 0.2), 3))
def continue_break_return_and_while_together(x, n):
    s = 0.0
    for i in range(n):
        if i == 0:
            continue
        for v in x:
            if v < -1.0:
                return s * v
            if v > 1.5:
                break
            while s < 1.0:
                s = s + v * v + 0.2
        s = s * 0.5
    return s


@case(([arr(0.3, -0.5), arr(-0.8, 0.9), arr(0.4, 0.4)], arr(0.5, 0.6)), wrt=(0, 1))
def list_of_arrays_with_branch(xs, x):
    h = x
    for a in xs:
        if np.sum(a * h) > 0:
            h = np.tanh(a * h)
        else:
            h = h * 0.5 + a
    return np.sum(h)


@case((0.7, 3), (0.7, 0))
def return_in_first_iteration(x, n):
    for i in range(n):
        y = x * x
        return y + i
    return x


# ---------------------------------------------------------------- not in CASES
# The same loop with 3 and 300 iterations: the generated adjoint and tangent
# must not grow with the trip count (test_control_flow.py, test_forward.py).


def one_loop_3(x):
    y = x
    for i in range(3):
        y = np.sin(y) * x + i
    return y


def one_loop_300(x):
    y = x
    for i in range(300):
        y = np.sin(y) * x + i
    return y
