"""The NumPy row of `npm run bench -- svd`'s per-method table: np.linalg.svd of each band (raw
uint8 files written by the benchmark), the rank-k rebuild, floor and clip, timed per band; the
outputs are written back as the exact reference for the agreement columns.

Usage: numpy-bands.py FOLDER ROWS COLS RANK BANDS REPEAT (prints one JSON line)
"""

import json
import sys
import time

import numpy as np


def main():
    folder = sys.argv[1]
    rows, cols, rank, bands, repeat = map(int, sys.argv[2:7])
    times = []
    for b in range(bands):
        a = np.fromfile(f"{folder}/band{b}.u8", dtype=np.uint8).reshape(rows, cols).astype(np.float64)
        best = float("inf")
        for _ in range(repeat):
            start = time.perf_counter()
            u, s, vt = np.linalg.svd(a, full_matrices=False)
            out = np.clip(np.floor((u[:, :rank] * s[:rank]) @ vt[:rank]), 0, 255).astype(np.uint8)
            best = min(best, time.perf_counter() - start)
        out.tofile(f"{folder}/numpy{b}.u8")
        times.append(best * 1000)
    print(json.dumps({"version": np.__version__, "bandMs": times}))


if __name__ == "__main__":
    main()
