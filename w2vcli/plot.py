"""Pictures: the training loss curve and a labelled 2-D map of chosen words' vectors (Agg: no display needed).

The map is a PCA written with NumPy's SVD (pca_2d), or scikit-learn's t-SNE (imported only when asked for).
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from w2vcli.atomic import atomic_write
from w2vcli.errors import W2VError
from w2vcli.plot_words import DEFAULT_WORDS, default_plot_words  # noqa: F401 (part of plot's interface)


def save_figure(figure, path) -> None:
    """Save a figure as PNG atomically and close it."""
    with atomic_write(path) as handle:
        figure.savefig(handle, format="png", dpi=100)
    plt.close(figure)


def plot_loss(history: np.ndarray, path, title: str = "training loss") -> None:
    """history (n, >=2): columns step, running loss. A line plot of loss against step."""
    figure, axes = plt.subplots(figsize=(8, 5))
    if len(history):
        axes.plot(history[:, 0], history[:, 1], linewidth=1)
    axes.set_xlabel("step")
    axes.set_ylabel("loss (running average)")
    axes.set_title(title)
    axes.grid(alpha=0.3)
    save_figure(figure, path)


def pca_2d(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """PCA to 2-D: (points (n, 2), explained variance ratio (2,)), equal to scikit-learn's PCA(n_components=2)
    (tests/test_plot.py checks it, signs included). Written out with NumPy's SVD because importing scikit-learn
    costs memory `w2v train` cannot afford within its budget (benchmarks/README.md measures it).

        X_c = X - mean(X)        X_c = U S V^T (SVD)        points = X_c V[:, :2] = U[:, :2] S[:2]
        explained variance ratio of component k = S_k^2 / Σ_j S_j^2
    """
    centered = vectors - vectors.mean(axis=0)  # (n, d)
    u, s, vt = np.linalg.svd(centered, full_matrices=False)  # u (n, r), s (r,), vt (r, d)
    signs = np.sign(vt[range(vt.shape[0]), np.argmax(np.abs(vt), axis=1)])  # scikit-learn's sign convention:
    u, vt = u * signs, vt * signs[:, None]  # the largest entry of each component (row of V^T) is positive
    total = np.sum(s**2)
    ratio = s[:2] ** 2 / total if total > 0 else np.zeros(2)
    points = u[:, :2] * s[:2]  # (n, 2)
    if points.shape[1] < 2:  # fewer than 2 components (e.g. 2 words give 1): pad with zeros
        points = np.pad(points, ((0, 0), (0, 2 - points.shape[1])))
        ratio = np.pad(ratio, (0, 2 - len(ratio)))
    return points, ratio


def project_2d(vectors: np.ndarray, method: str = "pca", seed: int = 0) -> tuple[np.ndarray, np.ndarray | None]:
    """(points (n, 2), explained variance ratio (2,) or None): PCA (pca_2d, NumPy), or scikit-learn's t-SNE."""
    vectors = np.asarray(vectors, dtype=np.float64)  # (n, d)
    if method == "pca":
        return pca_2d(vectors)
    if method == "tsne":
        from sklearn.manifold import TSNE

        perplexity = max(1.0, min(30.0, (len(vectors) - 1) / 3))  # t-SNE needs perplexity < n
        return TSNE(n_components=2, perplexity=perplexity, random_state=seed, init="pca").fit_transform(vectors), None
    raise W2VError(f"unknown projection {method!r} (choose pca or tsne)")


def plot_words_2d(
    words: list[str],
    vectors: np.ndarray,
    path,
    title: str,
    groups: dict[str, list[str]] | None = None,
    method: str = "pca",
) -> None:
    """A labelled scatter of words' vectors projected to 2-D; one colour per group when groups are given.

    words (n,), vectors (n, d). At least two words are needed (and d >= 2 for PCA).
    """
    if len(words) < 2:
        raise W2VError("a 2-D projection needs at least two words that are in the vocabulary")
    vectors = np.asarray(vectors)
    if method == "pca" and vectors.shape[1] < 2:
        raise W2VError("PCA to 2-D needs vectors of at least 2 dimensions")
    points, variance = project_2d(vectors, method)  # (n, 2)
    group_of = {w: g for g, members in (groups or {}).items() for w in members}
    names = list(dict.fromkeys(group_of.get(w, "other") for w in words))
    colours = {name: plt.cm.tab10(i % 10) for i, name in enumerate(names)}
    figure, axes = plt.subplots(figsize=(8, 6))  # 800 x 600 pixels at dpi 100
    for name in names:
        mask = np.array([group_of.get(w, "other") == name for w in words])
        axes.scatter(points[mask, 0], points[mask, 1], color=colours[name], label=name if groups else None, s=20)
    for word, (x, y) in zip(words, points):
        axes.annotate(word, (x, y), textcoords="offset points", xytext=(3, 3), fontsize=9)
    if variance is not None:
        axes.set_xlabel(f"PC1 ({variance[0]:.1%} of variance)")
        axes.set_ylabel(f"PC2 ({variance[1]:.1%} of variance)")
    else:
        axes.set_xlabel(f"{method} 1")
        axes.set_ylabel(f"{method} 2")
    if groups:
        axes.legend(fontsize=8, loc="best")
    axes.set_title(title)
    axes.grid(alpha=0.3)
    save_figure(figure, path)


def choose_plot_words(vocab_words: list[str], requested: list[str], groups: dict | None) -> tuple[list, list]:
    """(known words to plot, unknown words skipped): the requested and grouped words, else the default list."""
    wanted = list(dict.fromkeys(requested + [w for members in (groups or {}).values() for w in members]))
    if not wanted:
        return default_plot_words(vocab_words), []
    known = set(vocab_words)
    return [w for w in wanted if w in known], [w for w in wanted if w not in known]


def read_word_list(path) -> list[str]:
    """Words from a file, one per line (blank lines and `#` comments skipped)."""
    try:
        lines = open(path, encoding="utf-8").read().splitlines()
    except (OSError, UnicodeDecodeError) as err:
        raise W2VError(f"word list {path} cannot be read: {getattr(err, 'strerror', None) or err}") from None
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


def read_groups(path) -> dict[str, list[str]]:
    """A YAML mapping of group name -> list of words."""
    import yaml

    try:
        data = yaml.safe_load(open(path, encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as err:
        raise W2VError(f"groups file {path} cannot be read: {getattr(err, 'strerror', None) or err}") from None
    except yaml.YAMLError as err:
        raise W2VError(f"groups file {path}: invalid YAML ({str(err).splitlines()[0]})") from None
    if not isinstance(data, dict) or not all(
        isinstance(words, list) and all(isinstance(w, (str, int, float)) for w in words) for words in data.values()
    ):
        raise W2VError(f"groups file {path} must map each group name to a list of words")
    return {str(name): [str(w) for w in words] for name, words in data.items()}
