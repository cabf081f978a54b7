"""A module of the user's, imported by a function under test."""

import numpy as np


def softplus(v):
    return np.log1p(np.exp(v))


def uses_other_module(x):
    return np.sum(softplus(x) * x)
