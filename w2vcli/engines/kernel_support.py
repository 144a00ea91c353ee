"""What the fast engine's kernels (fast_kernels.py) stand on: numba's settings, a prefetch hint, a random
generator and the alias table of the negatives.

Random numbers come from a per-thread splitmix64 generator whose state is one uint64 (a (1,) array, so the
kernels advance it in place); the caller seeds it.

numba's on-disk cache (`cache=True`) is keyed by the source file of the function compiled, not by the files it
calls into: a kernel inlining a function of this file (or base.linear_decay) would stay compiled from the old
text after an edit here. So fast_kernels.py calls forget_stale_cache, which drops its cached kernels whenever
the text of a file they depend on has changed.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

# fastmath without `nnan`/`ninf`: reassociation lets LLVM vectorise the d-long loops, while NaN and inf still
# behave, so a diverging run shows as a NaN loss that train.py reports.
FASTMATH = {"nsz", "arcp", "contract", "afn", "reassoc"}
JIT = {"cache": True, "fastmath": FASTMATH, "nogil": True}
# The helpers are inlined into their callers at numba's IR level: separate calls would cost a reference-count
# update of every array argument per pair, atomic operations that the threads would also contend on.
INLINE = {**JIT, "inline": "always"}



def forget_stale_cache(module_file: str, dependencies: list[str]) -> None:
    """Delete numba's cached kernels of module_file (__pycache__/NAME.*.nbi, .nbc) when the text of any of
    `dependencies` differs from when they were cached (a hash kept in __pycache__/NAME.depends)."""
    module = Path(module_file)
    cache = module.parent / "__pycache__"
    digest = hashlib.sha256(b"".join(Path(path).read_bytes() for path in dependencies)).hexdigest()
    stamp = cache / f"{module.stem}.depends"
    try:
        if stamp.read_text() == digest:
            return
    except OSError:
        pass
    try:
        for stale in [*cache.glob(f"{module.stem}.*.nbi"), *cache.glob(f"{module.stem}.*.nbc")]:
            stale.unlink(missing_ok=True)
        cache.mkdir(exist_ok=True)
        stamp.write_text(digest)
    except OSError:  # a read-only install: numba then caches elsewhere, or not at all
        pass


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_S27, _S30, _S31, _S32 = np.uint64(27), np.uint64(30), np.uint64(31), np.uint64(32)
_LOW32 = np.uint64(0xFFFFFFFF)
_INV32 = 1.0 / 4294967296.0


@intrinsic
def prefetch_row(typingctx, matrix, row):
    """Ask the CPU to start loading matrix[row, :] (C-contiguous 2-D) into its caches: one llvm.prefetch per
    64-byte line. A hint: no effect on results, no fault on any address."""
    if not (isinstance(matrix, types.Array) and matrix.ndim == 2 and isinstance(row, types.Integer)):
        return None

    def codegen(context, builder, signature, args):
        array_type, row_type = signature.args
        array = context.make_array(array_type)(context, builder, args[0])
        index = context.cast(builder, args[1], row_type, types.intp)
        zero = context.get_constant(types.intp, 0)
        pointer = cgutils.get_item_pointer2(
            context, builder, array.data, cgutils.unpack_tuple(builder, array.shape),
            cgutils.unpack_tuple(builder, array.strides), array_type.layout, [index, zero],
        )
        byte_pointer_type = ir.IntType(8).as_pointer()
        start = builder.bitcast(pointer, byte_pointer_type)
        int32 = ir.IntType(32)
        function_type = ir.FunctionType(ir.VoidType(), [byte_pointer_type, int32, int32, int32])
        prefetch = cgutils.get_or_insert_function(builder.module, function_type, "llvm.prefetch.p0i8")
        row_bytes = builder.mul(builder.extract_value(array.shape, 1),
                                context.get_constant(types.intp, array_type.dtype.bitwidth // 8))
        line = context.get_constant(types.intp, 64)
        with cgutils.for_range_slice(builder, zero, row_bytes, line) as (offset, _):
            # read access, high temporal locality, data cache
            builder.call(prefetch, [builder.gep(start, [offset]), int32(0), int32(3), int32(1)])
        return context.get_dummy_value()

    return types.void(matrix, row), codegen


@njit(**INLINE)
def next_u64(state):
    """splitmix64: advance state (a uint64 array of one element) and return the next 64 random bits."""
    z = state[0] + _GOLDEN
    state[0] = z
    z = (z ^ (z >> _S30)) * _MIX1
    z = (z ^ (z >> _S27)) * _MIX2
    return z ^ (z >> _S31)


@njit(**INLINE)
def uniform(state):
    """A float in [0, 1) with 32 random bits."""
    return np.float64(next_u64(state) & _LOW32) * _INV32


@njit(**INLINE)
def below(state, n):
    """An integer uniform in 0..n-1 (n < 2^32), by multiply-shift of 32 random bits."""
    return np.int64(((next_u64(state) >> _S32) * np.uint64(n)) >> _S32)


@njit(**JIT)
def build_alias(probs):
    """Walker's alias table of a distribution (V,): (accept (V,) float64, alias (V,) int32), by Vose's method.

    Drawing i uniformly in 0..V-1 and keeping it with probability accept[i], else taking alias[i], gives
    P(w) = probs[w] exactly (to rounding), in O(1) per draw.
    """
    n = probs.shape[0]
    scaled = probs * (n / probs.sum())
    accept = np.ones(n)
    alias = np.arange(n).astype(np.int32)
    small = np.empty(n, np.int64)
    large = np.empty(n, np.int64)
    ns = 0
    nl = 0
    for i in range(n):
        if scaled[i] < 1.0:
            small[ns] = i
            ns += 1
        else:
            large[nl] = i
            nl += 1
    while ns > 0 and nl > 0:
        ns -= 1
        s = small[ns]
        l = large[nl - 1]  # noqa: E741
        accept[s] = scaled[s]
        alias[s] = l
        scaled[l] = (scaled[l] + scaled[s]) - 1.0
        if scaled[l] < 1.0:
            nl -= 1
            small[ns] = l
            ns += 1
    return accept, alias  # entries left in either list keep accept 1 (rounding leftovers)


@njit(**INLINE)
def draw_one(state, accept, alias):
    """One word drawn from the alias table's distribution (∝ count^ns_exponent for the negatives), with one
    64-bit random number: the high 32 bits choose the slot, the low 32 bits the coin."""
    bits = next_u64(state)
    i = np.int64(((bits >> _S32) * np.uint64(accept.shape[0])) >> _S32)
    other = np.int64(alias[i])  # read either way: a select, not a branch the CPU mispredicts half of the time
    return other if np.float64(bits & _LOW32) * _INV32 >= accept[i] else i
