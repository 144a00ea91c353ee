"""Rows of float32 values as the text `'%.9g' % value` prints, byte for byte, compiled (numba): no Python per value.

9 significant digits are enough to read back the identical float32. For a finite x ≠ 0 with k = ⌊log10 |x|⌋:

    D = round(|x| · 10^(8-k))      the 9 digits d0..d8, 10^8 ≤ D < 10^9 (D = 10^9 carries: D = 10^8, k + 1)
    -4 ≤ k < 9    fixed:     0.000123456789, 12.3456789, 123456789
    otherwise     exponent:  1.23456789e-05, 3.40282347e+38
    then trailing zeros of D are dropped (and a `.` left alone): 0.5, 100, 1e-05

|x| · 10^(8-k) is computed in float64 with 10^p correctly rounded, so its relative error is at most 2^-52 and it
is off by less than 3e-7 below 10^9: only a product whose fraction lies within 1e-6 of .5 could round either
way, and those (about 2 values in a million, plus inf and nan) are printed by Python's exact printf instead.

Example: text_of(np.float32([0.1, -0.0, 1e-45])) == [b"0.100000001", b"-0", b"1.40129846e-45"].
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

DIGITS = 9  # significant digits: '%.9g'
WIDEST = 16  # bytes one value can take with the separator after it: `-1.23456789e-38 `, `-0.000123456789 `
JIT = {"cache": True, "nogil": True}  # no fastmath: every float operation here must be IEEE-exact
INLINE = {**JIT, "inline": "always"}  # helpers inlined: a call would update every array argument's reference count
_P_LOW = -40  # POWERS[p - _P_LOW] = 10^p for p = 8 - k, k from -46 to 39 (float32's range ± a correction)
POWERS = np.array([float(f"1e{p}") for p in range(_P_LOW, 61)])  # correctly rounded (parsed, not multiplied)
_DOUBT = 1e-6  # |fraction - 0.5| below this: the float64 product cannot decide the rounding
_E_LOW = -160  # binary exponents e of float32 values (frexp: x = m · 2^e, 0.5 ≤ m < 1), from below -149 to 128
_K_BELOW = np.array([math.floor((e - 1) * math.log10(2)) for e in range(_E_LOW, 140)])  # ⌊log10 2^(e-1)⌋
_NEXT_POWER = np.array([float(f"1e{k + 1}") for k in _K_BELOW])  # the only power of 10 that can lie in [2^(e-1), 2^e)
_GROUPS = np.array([list(f"{i:03d}".encode()) for i in range(1000)], dtype=np.uint8)  # (1000, 3): 7 → b"007"
_TRAILING_ZEROS = np.array([3] + [len(str(i)) - len(str(i).rstrip("0")) for i in range(1, 1000)])  # (1000,)
_ZERO, _POINT, _MINUS, _PLUS, _E, _SPACE, _NEWLINE = b"0.-+e \n"


@njit(**INLINE)
def _scale(magnitude, powers):
    """(magnitude · 10^(8-k), k) for a finite magnitude > 0: the product in [10^8, 10^9] up to its rounding.
    k = ⌊log10 magnitude⌋ from tables of the binary exponent (a log10 costs more than all the rest)."""
    binary = math.frexp(magnitude)[1] - _E_LOW
    k = _K_BELOW[binary] + (magnitude >= _NEXT_POWER[binary])  # one off when 10^(k+1) rounds: corrected here
    scaled = magnitude * powers[8 - k - _P_LOW]
    if scaled >= 1e9:
        k += 1
        scaled = magnitude * powers[8 - k - _P_LOW]
    elif scaled < 1e8:
        k -= 1
        scaled = magnitude * powers[8 - k - _P_LOW]
    return scaled, k


@njit(**INLINE)
def _write_value(x, scaled, k, digits, out, at):
    """Write '%.9g' % x into out from position at, given _scale's (scaled, k) (any, when x is 0); return the
    position after it. Every layout writes all 9 digits and then advances by the length kept: fewer branches
    (out needs WIDEST bytes of room after at)."""
    out[at] = _MINUS
    at += math.copysign(1.0, x) < 0  # the sign bit: -0.0 prints as -0
    if x == 0:
        out[at] = _ZERO
        return at + 1
    number = int(math.floor(scaled + 0.5))  # D: its fraction is not near .5, so this is the rounding
    if number >= 10**DIGITS:
        number, k = 10 ** (DIGITS - 1), k + 1
    high, rest = divmod(number, 1000000)  # D = high · 10^6 + middle · 10^3 + low: three digits each
    middle, low = divmod(rest, 1000)
    for place in range(3):
        digits[place], digits[3 + place], digits[6 + place] = _GROUPS[high, place], _GROUPS[middle, place], \
            _GROUPS[low, place]
    if low:  # digits up to the last nonzero one: trailing zeros are not printed
        significant = DIGITS - _TRAILING_ZEROS[low]
    elif middle:
        significant = 6 - _TRAILING_ZEROS[middle]
    else:
        significant = 3 - _TRAILING_ZEROS[high]
    if k < -4 or k >= DIGITS:  # exponent notation: d.dddddddd, kept up to the last significant digit, e±XX
        out[at], out[at + 1] = digits[0], _POINT
        for place in range(1, DIGITS):
            out[at + 1 + place] = digits[place]
        at += significant + (significant > 1)
        exponent = abs(k)
        out[at], out[at + 1] = _E, _MINUS if k < 0 else _PLUS
        out[at + 2], out[at + 3] = _ZERO + exponent // 10, _ZERO + exponent % 10
        return at + 4
    if k < 0:  # 0.000ddddddddd: -k-1 zeros after the point
        for place in range(5):
            out[at + place] = _ZERO
        out[at + 1] = _POINT
        for place in range(DIGITS):
            out[at + 1 - k + place] = digits[place]
        return at + 1 - k + significant
    for place in range(DIGITS):  # ddd.dddddd: the point after digit k, kept when a significant digit follows
        out[at + place + (place > k)] = digits[place]
    out[at + k + 1] = _POINT
    return at + max(significant + (significant > k + 1), k + 1)


@njit(**JIT)
def _write_rows(block, powers, start, start_text, at, out, row_ends):
    """Write the values of block (B, d) from flat index start on, each followed by a space or (at a row's end)
    a newline, into out from position at; value start is start_text when that is not empty. row_ends[r]
    receives where row r's text ends. Returns (position, index of the value where writing stopped): block.size
    when done, else a value that Python must print (inf, nan, or a product too close to .5 to round)."""
    digits = np.empty(DIGITS, dtype=np.uint8)
    dim = block.shape[1]
    values = block.ravel()
    for i in range(start, values.size):
        x = np.float64(values[i])
        if i == start and start_text.size:
            out[at:at + start_text.size] = start_text
            at += start_text.size
        else:
            scaled, k = 0.0, 0
            if x != 0:
                if not math.isfinite(x):
                    return at, i
                scaled, k = _scale(abs(x), powers)
                if abs(scaled - math.floor(scaled) - 0.5) < _DOUBT:
                    return at, i
            at = _write_value(x, scaled, k, digits, out, at)
        last = (i + 1) % dim == 0
        out[at] = _NEWLINE if last else _SPACE
        at += 1
        if last:
            row_ends[i // dim] = at
    return at, values.size


def format_rows(block: np.ndarray) -> tuple[bytes, list[int]]:
    """(text, ends): rows of block (B, d) as `v1 ... vd\\n`, each value '%.9g' of its float32; row i is
    text[ends[i-1]:ends[i]]. Example: format_rows(np.float32([[1, -0.5], [0.1, 2]])) gives
    (b"1 -0.5\\n0.100000001 2\\n", [7, 21])."""
    block = np.ascontiguousarray(block, dtype=np.float32)  # (B, d)
    out = np.empty(block.size * WIDEST + WIDEST, dtype=np.uint8)  # room for the widest text of every value
    row_ends = np.empty(len(block), dtype=np.int64)  # (B,)
    at, stopped, text = 0, 0, np.empty(0, dtype=np.uint8)
    while stopped < block.size:  # about 2 values in a million stop the kernel: Python prints them exactly
        at, stopped = _write_rows(block, POWERS, stopped, text, at, out, row_ends)
        if stopped < block.size:
            text = np.frombuffer(f"{float(block.flat[stopped]):.9g}".encode(), dtype=np.uint8)
    return out[:at].tobytes(), row_ends.tolist()


def text_of(values: np.ndarray) -> list[bytes]:
    """Each value's text: format_rows of one column (for tests and small arrays)."""
    text, _ = format_rows(np.asarray(values, dtype=np.float32).reshape(-1, 1))
    return text.split(b"\n")[:-1]
