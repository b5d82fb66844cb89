"""The Python side of `npm run bench -- svd` and `npm run bench -- scaling`.

The same file-to-file work as imageprocess's compressFile, done the way a Python user would:
Pillow reads the TIFF, each colour band gets a rank-k truncated SVD (SciPy's svds with PROPACK
or ARPACK, or NumPy's full svd as in the seed), U S Vt is rebuilt, floored and clamped to 8-bit
samples, and Pillow writes the TIFF.

It is a long-lived server so that the benchmark can interleave its runs with Node's without
paying Python's start-up and imports each time: one JSON request per line on stdin, one JSON
reply per line on stdout. The first line it prints says which modules are missing, so the
benchmark can tell the user what to install instead of failing.

Requests:
  {"op": "compress", "input": PATH, "output": PATH, "rank": K, "solver": "propack"|"arpack"|"full"}
      -> {"ms": wall time of the whole file-to-file step}
  {"op": "pool", "inputs": [PATH...], "outdir": DIR, "rank": K, "solver": ..., "processes": N}
      -> {"ms": wall time of multiprocessing.Pool(N).map over the files}
      (the pool of N processes is created once and kept, as a long-running program would)
  {"op": "quit"}
Any failure replies {"error": "..."} and the server goes on.

Thread counts (OPENBLAS_NUM_THREADS and the like) come from the environment, set by the caller.
"""

import json
import os
import sys
import time

MISSING = []
VERSIONS = {}
try:
    import numpy as np

    VERSIONS["numpy"] = np.__version__
except ImportError:
    MISSING.append("numpy")
try:
    import PIL
    from PIL import Image

    VERSIONS["pillow"] = PIL.__version__
except ImportError:
    MISSING.append("PIL")
try:
    import scipy
    from scipy.sparse.linalg import svds

    VERSIONS["scipy"] = scipy.__version__
except ImportError:
    MISSING.append("scipy")

SOLVERS = ("propack", "arpack", "full")


def low_rank(band, rank, solver):
    """The rank-k approximation of one band, floored and clamped to 0..255."""
    if solver == "full":
        u, s, vt = np.linalg.svd(band, full_matrices=False)
        approx = (u[:, :rank] * s[:rank]) @ vt[:rank]
    else:
        # A fixed start vector: the same run every time, as a benchmark needs.
        u, s, vt = svds(band, k=rank, solver=solver, random_state=0)
        approx = (u * s) @ vt
    return np.clip(np.floor(approx), 0, 255).astype(np.uint8)


def compress_file(job):
    """Read a TIFF, compress every colour band at `rank`, write the TIFF. Returns the output."""
    source, target, rank, solver = job
    if solver not in SOLVERS:
        raise ValueError(f"unknown solver {solver!r}: expected one of {', '.join(SOLVERS)}")
    with Image.open(source) as img:
        img.load()
        if img.mode not in ("L", "LA", "RGB", "RGBA"):
            raise ValueError(
                f"{source}: Pillow mode {img.mode!r}; this benchmark handles 8-bit "
                "L, LA, RGB and RGBA images"
            )
        mode = img.mode
        pixels = np.asarray(img)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    colours = pixels.shape[2] - (1 if mode in ("LA", "RGBA") else 0)
    out = pixels.copy()
    for c in range(colours):
        out[:, :, c] = low_rank(pixels[:, :, c].astype(np.float64), rank, solver)
    # The mode follows from the array's shape (L, LA, RGB, RGBA); passing it is deprecated in
    # recent Pillow.
    Image.fromarray(out[:, :, 0] if out.shape[2] == 1 else out).save(target, format="TIFF")
    return target


POOLS = {}


def handle(request):
    op = request.get("op")
    if op == "compress":
        job = (request["input"], request["output"], int(request["rank"]), request["solver"])
        start = time.perf_counter()
        compress_file(job)
        return {"ms": (time.perf_counter() - start) * 1000}
    if op == "pool":
        import multiprocessing

        processes = int(request["processes"])
        pool = POOLS.get(processes)
        if pool is None:
            pool = POOLS[processes] = multiprocessing.Pool(processes)
        jobs = [
            (source, os.path.join(request["outdir"], f"{i}.tif"), int(request["rank"]), request["solver"])
            for i, source in enumerate(request["inputs"])
        ]
        start = time.perf_counter()
        pool.map(compress_file, jobs, chunksize=1)
        return {"ms": (time.perf_counter() - start) * 1000}
    raise ValueError(f"unknown op {op!r}: expected compress, pool or quit")


def main():
    hello = {
        "ready": True,
        "python": sys.version.split()[0],
        "executable": sys.executable,
        "versions": VERSIONS,
        "missing": MISSING,
    }
    print(json.dumps(hello), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        if request.get("op") == "quit":
            break
        try:
            reply = handle(request)
        except Exception as error:  # reported to the benchmark, which names the request
            reply = {"error": f"{type(error).__name__}: {error}"}
        print(json.dumps(reply), flush=True)
    for pool in POOLS.values():
        pool.close()
        pool.join()


if __name__ == "__main__":
    main()
