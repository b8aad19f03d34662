"""Compile every Triton kernel for a CUDA target without a GPU (no interpreter).

``python -m tests.gpu_compile_check [ARCH]`` (default 90: H100/H200) runs Triton's compiler and
ptxas on each kernel at the tile sizes the code launches, so a compile error (a type Triton
rejects, a tile over the shared-memory limit) shows before a GPU session, whose time is short.
Needs triton, not a GPU; TRITON_INTERPRET must be unset (the interpreter does not compile).
Prints one line per kernel and exits 1 on any failure.
"""
import os
import sys


def main(arch=90):
    if os.environ.get("TRITON_INTERPRET") == "1":
        print("TRITON_INTERPRET=1 is set: unset it to compile")
        return 1
    import triton
    from triton.backends.compiler import GPUTarget
    from triton.compiler import ASTSource

    from boolean import _fwht_triton as F
    from capacity import _ba_triton as A
    from capacity.mi import _quantize_triton as Q

    target = GPUTarget("cuda", arch, 32)
    fails = 0

    def compile_one(fn, sig, consts, num_warps):
        nonlocal fails
        src = ASTSource(fn=fn, signature={**sig, **{k: "constexpr" for k in consts}}, constexprs=consts)
        try:
            k = triton.compile(src, target=target, options={"num_warps": num_warps, "enable_fp_fusion": False})
            print(f"ok   {fn.__name__} {consts} num_warps={num_warps}: shared memory {k.metadata.shared} B",
                  flush=True)
        except Exception as exc:  # report every kernel, then fail
            fails += 1
            print(f"FAIL {fn.__name__} {consts}: {exc!r}"[:3000], flush=True)

    # the FWHT at the default tiles (and the previous defaults, a --sweep row), every dtype
    high_k = F.HIGH_TILE_BITS - F.HIGH_COLS.bit_length() + 1
    for dt in ("fp32", "fp64", "i64"):
        for b, warps in ((F.LOW_BITS, F.NUM_WARPS), (12, 8)):
            compile_one(F._low_kernel, {"src": f"*{dt}", "dst": f"*{dt}"}, {"BLOCK": 1 << b, "B": b}, warps)
        for k in sorted({high_k, 7}):
            compile_one(F._high_kernel, {"ptr": f"*{dt}", "S": "i64"}, {"R": 1 << k, "C": F.HIGH_COLS, "K": k},
                        F.NUM_WARPS)
    # the batched solver kernel at the tiles select() sends to it
    sig = {n: "*fp64" for n in ("W", "base", "p", "mu", "budget", "p_out", "lo_out", "up_out", "mu_out",
                                "used_out", "params")}
    sig.update({"nx": "i32", "ny": "i32", "steps": "i32"})
    for bx, by in ((2, 2), (16, 16), (64, 64), (64, 128)):
        compile_one(A._md_batched_kernel, sig, {"BX": bx, "BY": by, "LOGZ": A.LOG_ZERO, "TINY_": A.TINY,
                                                "EMAX": A.E_MAX, "MUMAX": A.MU_MAX}, max(1, min(8, bx * by // 1024)))
    # the streamed kernel: a row in registers or in several tiles, with and without the rejection law
    sig = {n: "*fp64" for n in ("W", "base", "cand", "logq", "r", "shift", "mu_a", "D_out", "a_out", "z_part",
                                "qa_part", "qr_part")}
    sig.update({"nx": "i32", "ny": "i32", "rows_per_prog": "i32", "P": "i32"})
    for one_tile in (True, False):
        for reject in (True, False):
            compile_one(A._stream_kernel, sig, {"BR": A.STREAM_ROWS, "BC": A.STREAM_COLS, "ONE_TILE": one_tile,
                                                "REJECT": reject, "TINY_": A.TINY, "EMAX": A.E_MAX}, 8)
    # the quantise-and-hash kernel, one column and the benchmark's width 20
    for d in (1, 20):
        compile_one(Q._hash_kernel, {"y": "*fp64", "out": "*i64", "n": "i32", "delta_ptr": "*fp64", "mult": "u64"},
                    {"D": d, "BLOCK_": Q.BLOCK}, 4)
    print("failures:", fails)
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 90))
