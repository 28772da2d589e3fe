"""The app's pages: file, title and a short summary, shown on the home page and checked by tests."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageInfo:
    path: str
    title: str
    icon: str
    summary: str


HOME = PageInfo("app.py", "Home", ":material/home:", "What the app is, and the way into each page.")

PAGES: tuple[PageInfo, ...] = (
    PageInfo(
        "pages/1_Train.py",
        "Train",
        ":material/model_training:",
        "Train static embeddings live on a built-in or uploaded corpus: skip-gram and CBOW with negative "
        "sampling, PPMI + SVD, GloVe and subword (fastText-style). Watch the loss fall and the word map "
        "rearrange while it learns.",
    ),
    PageInfo(
        "pages/2_Project.py",
        "Project",
        ":material/scatter_plot:",
        "PCA, t-SNE or UMAP of any vector set in 2D or 3D, with search, nearest neighbours on the raw vectors, "
        "clusters, semantic axes, and exports.",
    ),
    PageInfo(
        "pages/3_Analogies.py",
        "Analogies",
        ":material/compare_arrows:",
        "Ask a : b :: c : ? with 3CosAdd or 3CosMul, see why an answer wins, and evaluate a vector set on "
        "analogy and word-similarity benchmarks.",
    ),
    PageInfo(
        "pages/4_Context.py",
        "Context",
        ":material/manage_search:",
        'One ambiguous word ("bank", "charge") across sentences: a transformer\'s vector for each occurrence, '
        "compared on a similarity heatmap layer by layer, against the single static vector a lookup table gives.",
    ),
    PageInfo(
        "pages/5_Sentences.py",
        "Sentences",
        ":material/notes:",
        "From word vectors to sentence vectors: averaged (plain, without stopwords, TF-IDF weighted) or "
        "contextual, compared on similarity heatmaps.",
    ),
    PageInfo(
        "pages/6_Compare.py",
        "Compare",
        ":material/compare:",
        "Two vector sets word by word: your training against the transformer's table, two methods or two "
        "snapshots of one run, aligned on one map, with the words whose neighbours changed most.",
    ),
    PageInfo(
        "pages/7_Map.py",
        "Map",
        ":material/map:",
        "A whole vocabulary (up to a million words) on one WebGL map built ahead by the map job: named "
        "regions, search, a word's nearest neighbours in the original space, and box selections to export.",
    ),
)
