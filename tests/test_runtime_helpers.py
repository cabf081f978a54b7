"""The runtime helpers' fast paths against plain NumPy: the cotangent of an
indexing (``getitem_vjp``) and its in-place accumulation (``index_add``) for
every kind of index, so a fast path cannot drift from the general one."""

import numpy as np
import pytest

from s2s_ad.runtime import getitem_vjp, index_add

INDICES = [slice(None, -1), slice(1, None), slice(None, None, 2), slice(5, 1, -1), 3, -1,
           (slice(1, 3),), [0, 2, 2], np.array([1, 1, 4])]


def _reference(x, index, g):
    out = np.zeros(x.shape)
    np.add.at(out, index, g)   # repeated indices add up
    return out


@pytest.mark.parametrize("index", INDICES, ids=repr)
def test_getitem_vjp_places_the_cotangent(index):
    x = np.arange(6.0)
    g = np.random.default_rng(0).standard_normal(np.shape(x[index]))
    got = getitem_vjp(g, x, index)
    np.testing.assert_array_equal(got, _reference(x, index, g))
    assert got.dtype == np.float64 and got is not x


@pytest.mark.parametrize("index", INDICES, ids=repr)
def test_index_add_adds_in_place(index):
    rng = np.random.default_rng(1)
    acc = rng.standard_normal(6)
    g = rng.standard_normal(np.shape(acc[index]))
    expected = acc + _reference(acc, index, g)
    got = index_add(acc, index, g)
    np.testing.assert_array_equal(got, expected)
    assert got is acc  # the accumulator is the reverse pass's own: written in place


def test_index_add_of_a_number_into_a_slice_and_into_a_row():
    acc = np.zeros((3, 2))
    index_add(acc, slice(0, 2), 1.5)
    index_add(acc, 2, np.array([1.0, 2.0]))
    np.testing.assert_array_equal(acc, [[1.5, 1.5], [1.5, 1.5], [1.0, 2.0]])


def test_index_add_into_a_read_only_array_makes_a_new_one():
    acc = np.zeros(4)
    acc.flags.writeable = False
    got = index_add(acc, slice(1, 3), np.ones(2))
    np.testing.assert_array_equal(got, [0.0, 1.0, 1.0, 0.0])
    np.testing.assert_array_equal(acc, np.zeros(4))
