"""Projection speed and faithfulness: ours (explorer.projection) beside scikit-learn's defaults.

Data: structured synthetic 100-d vectors (20 clusters, each a curved 2-D sheet plus noise), so
both neighbourhoods and global layout carry meaning. For every size and method: wall seconds,
CPU seconds of this process (less distorted by a busy machine), and faithfulness (k-NN kept and
trustworthiness, k=10, on a 1,000-point sample, cosine in the original space).

    .venv/bin/python benchmarks/bench_project.py              # 2k, 5k, 10k, 20k, 50k
    .venv/bin/python benchmarks/bench_project.py --quick      # 2k and 5k
    .venv/bin/python benchmarks/bench_project.py --data real  # 2k, 5k, 20k real word vectors

``--data real`` projects real word vectors instead: the whole-word rows of the bundled
transformer's input-embedding table (all-MiniLM-L6-v2, 384-d, 21,724 words, in table order), with
openTSNE and scikit-learn in the same run; it writes its own section ("project-real").
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from benchmarks._report import markdown_table, write_section  # noqa: E402
from explorer.projection import TSNE_FFT_MIN_POINTS, faithfulness, project, warm_up_tsne  # noqa: E402

SKLEARN_TSNE_MAX = 20_000  # above this scikit-learn's Barnes-Hut t-SNE takes many minutes on 2 cores
OPENTSNE_FFT_MAX = 20_000  # the peer for our FFT layout; at 50k it takes a couple of minutes
METHOD_NOTE = (
    "Both t-SNE and UMAP take an exact k-NN graph (`explorer.projection.knn_graph`: blocked matrix produc"
    "ts and top-k in torch), which replaced openTSNE's Annoy index (9.6 s at 20k points, now 2-4 s) and U"
    "MAP's NN-descent. UMAP lays out for 200 epochs from 5,000 points (umap-learn switches at 10,000): at"
    " 10k that keeps 99% of the k-NN overlap of 500 epochs in 45% of the time. t-SNE below 10,000 points "
    "is openTSNE's Barnes-Hut; from 10,000 it is `explorer.tsne_fft.TSNE2D`: openTSNE's grid, forces and "
    "optimiser step, with the spreading and reading back compiled (numba), float32 FFTs in torch into re"
    "used buffers, and the attraction split over the cores. The row 'openTSNE FFT' runs openTSNE's own op"
    "timiser on the same affinities and initialisation, so the two differ only in how the gradient is com"
    "puted."
)


def structured(n: int, dim: int = 100, clusters: int = 20, seed: int = 0) -> np.ndarray:
    """Clustered + manifold vectors: each cluster is a curved 2-D sheet in ``dim`` dimensions."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(clusters, dim)) * 3
    label = rng.integers(0, clusters, n)
    t = rng.uniform(-1, 1, size=(n, 2))
    basis = rng.normal(size=(clusters, 3, dim))
    X = centres[label] + t[:, :1] * basis[label, 0] + t[:, 1:] * basis[label, 1] + t[:, :1] ** 2 * basis[label, 2]
    X += rng.normal(scale=0.3, size=(n, dim))
    return X.astype(np.float32)


def real_vectors() -> np.ndarray:
    """(21724, 384) float32: the whole-word rows of the bundled transformer's input-embedding table."""
    from explorer.contextual import ContextualEmbedder

    return np.asarray(ContextualEmbedder.load(None, device="cpu").static_vectors().vectors, dtype=np.float32)


def timed(fn):
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return out, time.perf_counter() - wall, time.process_time() - cpu


def row(n: int, name: str, wall: float, cpu: float, X: np.ndarray, coords: np.ndarray) -> list[object]:
    s = faithfulness(X, coords)
    return [f"{n:,}", name, f"{wall:.2f}", f"{cpu:.2f}", f"{s['knn_overlap']:.3f}", f"{s['trustworthiness']:.3f}"]


def sklearn_pca(X: np.ndarray) -> np.ndarray:
    from sklearn.decomposition import PCA

    return PCA(n_components=2, random_state=0).fit_transform(X)


def sklearn_tsne(X: np.ndarray) -> np.ndarray:
    from sklearn.manifold import TSNE

    return TSNE(n_components=2, random_state=0, n_jobs=os.cpu_count()).fit_transform(X)


def sklearn_umap_defaults(X: np.ndarray) -> np.ndarray:
    import umap

    return umap.UMAP(random_state=0).fit_transform(X)  # umap-learn's defaults (euclidean)


def opentsne_fft(X: np.ndarray) -> np.ndarray:
    """openTSNE's FFT optimiser on exactly the affinities and initialisation ``project`` uses."""
    from openTSNE import TSNEEmbedding, affinity, initialization
    from openTSNE.nearest_neighbors import PrecomputedNeighbors

    from explorer.linalg import pca, unit_rows
    from explorer.projection import TSNE_PCA_DIMS, default_perplexity, knn_graph

    Xw = pca(unit_rows(X), TSNE_PCA_DIMS)[0].astype(np.float32)
    Xw = np.ascontiguousarray(Xw, dtype=np.float64)
    n, perplexity = len(Xw), default_perplexity(len(Xw))
    neighbours, distances = knn_graph(Xw, int(3 * perplexity))
    aff = affinity.PerplexityBasedNN(
        knn_index=PrecomputedNeighbors(neighbours, distances.astype(np.float64)), perplexity=perplexity, n_jobs=2
    )
    init = initialization.pca(Xw, n_components=2, random_state=0)
    emb = TSNEEmbedding(init, aff, n_jobs=2, random_state=0, negative_gradient_method="fft", verbose=False)
    emb = emb.optimize(250, exaggeration=12.0, momentum=0.5, learning_rate=max(200.0, n / 12.0))
    emb = emb.optimize(500, momentum=0.8, learning_rate=max(200.0, n / 12.0))
    return np.asarray(emb)


FIRST_UMAP = """
import sys, time
sys.path.insert(0, {root!r})
from benchmarks.bench_project import structured
from explorer.projection import project, warm_up_umap
X = structured({n})
if {warm}:
    t = time.perf_counter(); warm_up_umap(); print("warmup", time.perf_counter() - t)
t = time.perf_counter(); project(X, "umap"); print("first", time.perf_counter() - t)
"""


def first_umap(n: int, warm: bool) -> dict[str, float]:
    """A fresh process's first UMAP of n points, optionally after warm_up_umap (as the app does)."""
    code = FIRST_UMAP.format(root=str(ROOT), n=n, warm=warm)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT).stdout
    return {
        line.split()[0]: float(line.split()[1])
        for line in out.splitlines()
        if line.split()[:1] in (["warmup"], ["first"])
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2k and 5k points only")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    parser.add_argument("--data", choices=["synthetic", "real"], default="synthetic", help="which vectors to project")
    parser.add_argument(
        "--sklearn-tsne-max",
        type=int,
        default=SKLEARN_TSNE_MAX,
        help=f"largest size for scikit-learn's t-SNE (default {SKLEARN_TSNE_MAX:,}; it is the slow peer)",
    )
    parser.add_argument(
        "--opentsne-fft-max",
        type=int,
        default=OPENTSNE_FFT_MAX,
        help=f"largest size for openTSNE's own FFT optimiser (default {OPENTSNE_FFT_MAX:,})",
    )
    args = parser.parse_args()
    sizes = [2_000, 5_000] if args.quick else [2_000, 5_000, 10_000, 20_000, 50_000]
    real = real_vectors() if args.data == "real" else None
    if real is not None:
        sizes = [2_000, 5_000] if args.quick else [2_000, 5_000, 20_000]
    headers = ["points", "method", "wall s", "CPU s", "k-NN kept", "trustworthiness"]
    rows: list[list[object]] = []
    notes: list[str] = [METHOD_NOTE]
    load = os.getloadavg()[0]

    # First UMAP in a fresh process: cold, and after the app's background warm-up (synthetic runs only).
    if real is None:
        n_first = 10_000 if not args.quick else 2_000
        cold = first_umap(n_first, warm=False)
        warmed = first_umap(n_first, warm=True)
        notes.append(
            f"First UMAP of {n_first:,} points in a fresh process: {cold['first']:.1f} s cold (import + numba "
            f"compilation + fit); {warmed['first']:.1f} s after `warm_up_umap()` ({warmed['warmup']:.1f} s, run in "
            "a background thread when the app starts). numba keeps compiled kernels on disk, so 'cold' is after "
            "the first ever run."
        )
        print(notes[-1], flush=True)
    project(structured(500), "umap")  # this process: compile once, so the rows below are warm calls
    tsne_warmup = warm_up_tsne()  # as the app does at start (numba loads the t-SNE kernels from disk)
    notes.append(
        f"`warm_up_tsne()` took {tsne_warmup:.2f} s in this process: numba loads the compiled t-SNE kernels from "
        "its disk cache (compiling them the first time ever takes about 2 s)."
    )

    for n in sizes:
        first_row = len(rows)
        X = structured(n) if real is None else real[:n]
        p = project(X, "pca")
        rows.append(row(n, "PCA (ours: covariance eigh, unit vectors)", p.seconds, np.nan, X, p.coords))
        rows[-1][3] = "-"
        out, wall, cpu = timed(lambda X=X: sklearn_pca(X))
        rows.append(row(n, "PCA (scikit-learn defaults)", wall, cpu, X, out))

        (p, wall, cpu) = timed(lambda X=X: project(X, "tsne"))
        engine = "FFT, explorer.tsne_fft" if n >= TSNE_FFT_MIN_POINTS else "openTSNE Barnes-Hut"
        rows.append(row(n, f"t-SNE (ours: {engine}; PCA-50, cosine)", p.seconds, cpu, X, p.coords))
        if TSNE_FFT_MIN_POINTS <= n <= args.opentsne_fft_max:
            out, wall, cpu = timed(lambda X=X: opentsne_fft(X))
            rows.append(row(n, "t-SNE (openTSNE 1.0.4 FFT, same affinities)", wall, cpu, X, out))
        if n <= args.sklearn_tsne_max:
            out, wall, cpu = timed(lambda X=X: sklearn_tsne(X))
            rows.append(row(n, "t-SNE (scikit-learn defaults, Barnes-Hut)", wall, cpu, X, out))
        else:
            rows.append([f"{n:,}", "t-SNE (scikit-learn defaults)", "skipped", "-", "-", "-"])

        (p, wall, cpu) = timed(lambda X=X: project(X, "umap"))
        rows.append(row(n, "UMAP (ours: cosine, seeded, warm)", p.seconds, cpu, X, p.coords))
        out, wall, cpu = timed(lambda X=X: sklearn_umap_defaults(X))
        rows.append(row(n, "UMAP (umap-learn defaults, seeded, warm)", wall, cpu, X, out))
        for r in rows[first_row:]:
            print(" | ".join(str(c) for c in r), flush=True)

    table = markdown_table(headers, rows)
    print()
    print(table)
    data_note = (
        "Structured synthetic 100-d vectors (20 clusters, each a curved 2-D sheet plus noise)."
        if real is None
        else f"Real word vectors: the first n of the {len(real):,} whole-word rows of the bundled transformer's "
        "input-embedding table (all-MiniLM-L6-v2, 384-d); 50k points would exceed the table."
    )
    body = (
        data_note + " Faithfulness: "
        "share of each point's 10 nearest neighbours (cosine, original vectors) kept on the map, and "
        "trustworthiness, both on a 1,000-point sample. CPU s is this process's CPU time (all threads); "
        f"the 1-minute load average when the run started was {load:.1f} on {os.cpu_count()} cores, so wall "
        "times include waiting for other work. scikit-learn's t-SNE is skipped above "
        f"{args.sklearn_tsne_max:,} points (many minutes on 2 cores).\n\n"
        + table
        + "\n"
        + "\n".join(f"- {n}" for n in notes)
        + "\n\n`python benchmarks/bench_project.py"
        + (" --quick" if args.quick else "")
        + (" --data real" if real is not None else "")
        + (f" --sklearn-tsne-max {args.sklearn_tsne_max}" if args.sklearn_tsne_max != SKLEARN_TSNE_MAX else "")
        + (f" --opentsne-fft-max {args.opentsne_fft_max}" if args.opentsne_fft_max != OPENTSNE_FFT_MAX else "")
        + "`\n"
    )
    if not args.no_write:
        if real is None:
            write_section("project", "Projection (PCA, t-SNE, UMAP)", body)
        else:
            write_section("project-real", "Projection of real word vectors (PCA, t-SNE, UMAP)", body)


if __name__ == "__main__":
    main()
