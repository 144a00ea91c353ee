"""Pictures: the training loss curve and a labelled 2-D map of chosen words' vectors (Agg: no display needed).

The map is a PCA written with NumPy's SVD, or scikit-learn's t-SNE (projection.py, without matplotlib).
"""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from w2vcli.atomic import atomic_write
from w2vcli.errors import W2VError
from w2vcli.plot_words import DEFAULT_WORDS, default_plot_words  # noqa: F401 (part of plot's interface)
from w2vcli.projection import pca_2d, project_2d  # noqa: F401 (part of plot's interface)


def save_figure(figure, path) -> None:
    """Save a figure as PNG atomically and close it."""
    with atomic_write(path) as handle:
        figure.savefig(handle, format="png", dpi=100)
    plt.close(figure)


def warm_up() -> None:
    """Draw a small figure with text in memory: matplotlib loads its fonts and renderer on the first drawing (a
    few tenths of a second), which the drawing child does while it waits for its inputs."""
    figure, axes = plt.subplots(figsize=(1, 1))
    axes.text(0.5, 0.5, "w2v")
    figure.canvas.draw()
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


LABEL_LINE = {"arrowstyle": "-", "color": "0.45", "linewidth": 0.5}  # the thin line from a moved label to its point
LABEL_SETTINGS = {  # adjustText's: a fixed number of pushing steps (not its default 1 s: the same picture each
    "iter_lim": 100,  # time; no overlap left in the toy pictures, 0.25 s less than 300), boxes grown 20% x 40%
    "expand": (1.2, 1.4),  # when pushed apart, pushed harder than its default (0.1, 0.2)
    "force_text": (0.3, 0.6),
    "prevent_crossings": False,  # its experimental line-uncrossing left labels overlapping on the toy groups
}


def plot_words_2d(
    words: list[str],
    vectors: np.ndarray,
    path,
    title: str,
    groups: dict[str, list[str]] | None = None,
    method: str = "pca",
) -> None:
    """A labelled scatter of words' vectors projected to 2-D (words_figure), written as a PNG."""
    figure, _ = words_figure(words, vectors, title, groups, method)
    save_figure(figure, path)


def words_figure(
    words: list[str],
    vectors: np.ndarray,
    title: str,
    groups: dict[str, list[str]] | None = None,
    method: str = "pca",
):
    """(figure, labels): a scatter of words' vectors projected to 2-D, one colour per group when groups are
    given, each point labelled with its word. adjustText moves the labels apart until none overlaps another
    (and off the points), drawing a thin line from a moved label to its point.

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
    labels = [axes.text(x, y, word, fontsize=9) for word, (x, y) in zip(words, points)]
    place_labels(axes, labels, points)
    return figure, labels


def place_labels(axes, labels: list, points: np.ndarray) -> None:
    """Move labels (matplotlib Text, one per point of points (n, 2)) until no two overlap, with a thin line
    to the point from each label that moved (adjustText; called last, once the axes' limits are final)."""
    from adjustText import adjust_text

    axes.figure.canvas.draw()  # the labels' sizes in pixels are known only once drawn
    adjust_text(labels, x=points[:, 0], y=points[:, 1], ax=axes, arrowprops=LABEL_LINE, **LABEL_SETTINGS)


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
