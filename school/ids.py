"""Ids are 64-bit: larger numbers can name nothing, and some databases refuse to bind them."""

MAX_ID = 2**63 - 1


def is_valid_id(value):
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID
