"""w2v explore: the page's neighbours are WordVectors.most_similar among the page's words, its data is the
projection plot.py draws, it loads nothing, and a real browser (headless Chromium) shows the searched word's
neighbours, from `#q=WORD` or a click. Tests needing Chromium skip where it is not installed."""
from __future__ import annotations

import html
import json
import re
import shutil
import subprocess

import numpy as np
import pytest
from click.testing import CliRunner

from w2vcli.cli import main
from w2vcli.explore import SCALE, page_data, page_html, page_neighbours, page_words, write_explore_page
from w2vcli.plot import pca_2d
from w2vcli.vectors import WordVectors, load_vectors

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="headless Chromium is not installed "
                                                             "(Debian: apt-get install chromium; .ci/run does it)")
NEIGHBOUR_ITEM = re.compile(r'<li data-word="([^"]*)"><span class="word">[^<]*</span><span class="cos">([^<]*)</span>')


def random_vectors(n: int, d: int, seed: int = 0) -> WordVectors:
    """n words with clustered random vectors (so neighbours matter), two of them equal (a tie)."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(8, d))  # (8, d)
    vectors = centres[rng.integers(0, 8, n)] + 0.3 * rng.normal(size=(n, d))  # (n, d)
    vectors[min(5, n - 1)] = vectors[min(4, n - 2)]
    return WordVectors([f"w{i}" for i in range(n)], vectors.astype(np.float32))


def embedded_data(page: str) -> dict:
    return json.loads(re.search(r'<script type="application/json" id="data">(.*?)</script>', page, re.S).group(1))


# -- the data ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("n, d", [(40, 8), (11, 3), (3, 5)])
def test_page_neighbours_are_most_similar_among_the_pages_words(n, d):
    vectors = random_vectors(n, d)
    rows, cosines = page_neighbours(vectors)
    assert rows.shape == cosines.shape == (n, min(10, n - 1))
    for i, word in enumerate(vectors.words):
        expected = vectors.most_similar([word], topn=10)
        assert [vectors.words[r] for r in rows[i]] == [w for w, _ in expected]
        assert cosines[i].tolist() == pytest.approx([c for _, c in expected], abs=1e-6)  # one matrix product
    a, b = min(4, n - 2), min(5, n - 1)  # the equal pair: each the other's nearest
    assert rows[a, 0] == b and rows[b, 0] == a and cosines[a, 0] == pytest.approx(1.0)


def test_page_data_holds_the_pca_on_one_scale_groups_and_neighbours():
    vectors = random_vectors(30, 6)
    groups = {"first": ["w3", "w1"], "second": ["w2"]}
    data = page_data(vectors, groups)
    points, _ = pca_2d(vectors.vectors.astype(np.float64))  # (30, 2)
    scaled = np.column_stack([data["x"], data["y"]])  # (30, 2)
    spans = points.max(axis=0) - points.min(axis=0)
    assert scaled.min(axis=0).tolist() == [0, 0] and scaled.max() == SCALE  # the wider axis spans 0..SCALE
    np.testing.assert_allclose(scaled, (points - points.min(axis=0)) / spans.max() * SCALE, atol=0.5)
    assert data["groups"] == ["other", "first", "second"]  # in order of first appearance among the words
    assert [data["group"][i] for i in (0, 1, 2, 3, 4)] == [0, 1, 2, 1, 0]
    rows, cosines = page_neighbours(vectors)
    assert data["k"] == 10 and data["neighbours"] == rows.ravel().tolist()
    assert data["cosines"] == [round(float(c) * 1000) for c in cosines.ravel()]


def test_page_words_default_to_the_first_words_else_the_chosen_ones():
    vocab = ["the", "a", "cat", "dog", "tea"]
    assert page_words(vocab, [], None, most_frequent=3) == (["the", "a", "cat"], [])
    assert page_words(vocab, ["dog", "unicorn", "dog"], {"g": ["tea", "cat"]}) == (["dog", "tea", "cat"],
                                                                                    ["unicorn"])


def test_the_page_is_self_contained_and_no_word_can_break_out_of_its_script():
    words = ["</script><img src=x>", "a&b", "café", "日本", "plain"]
    vectors = WordVectors(words, np.random.default_rng(1).normal(size=(5, 4)).astype(np.float32))
    page = page_html(page_data(vectors), title="<b>title</b>")
    assert embedded_data(page)["words"] == words
    assert page.count("</script>") == 3 and "<b>title</b>" not in page  # the three scripts' own; the title escaped
    assert ("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; script-src 'unsafe-inline'; "
            "style-src 'unsafe-inline'\">") in page
    markup = re.sub(r'(<script type="application/json" id="data">).*?</script>', r"\1", page, flags=re.S)
    assert re.findall(r"\b(?:src|href)\s*=", markup) == []  # nothing to load: no src or href at all
    assert re.findall(r"(?:https?:)?//[\w.-]+\.\w", markup.replace("http://www.w3.org/2000/svg", "")) == []


def test_the_page_stays_small_at_5000_words(tmp_path):
    vectors = random_vectors(5000, 16)
    size = write_explore_page(tmp_path / "page.html", vectors, title="5000")
    assert size == (tmp_path / "page.html").stat().st_size
    assert size < 600_000  # ~110 bytes a word: words, two coordinates, 10 neighbours and their cosines


# -- the command -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def toy_vectors(tmp_path_factory):
    """A small word2vec text file of 40 clustered words."""
    path = tmp_path_factory.mktemp("explore") / "vectors.txt"
    random_vectors(40, 8).save(path)
    return path


def test_explore_writes_the_page_of_the_chosen_words(toy_vectors, tmp_path):
    groups = tmp_path / "groups.yaml"
    groups.write_text("a: [w1, w2]\nb: [w7, unicorn]\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["explore", str(toy_vectors), "--out", str(tmp_path / "p.html"),
                                       "--words", "w3,w0", "--groups", str(groups)])
    assert result.exit_code == 0, result.output
    size = (tmp_path / "p.html").stat().st_size
    assert result.stdout == f"wrote {tmp_path / 'p.html'} (5 words, {size / 1024:,.0f} KB)\n"
    assert "Warning: skipped 1 word(s) not in the vocabulary: unicorn" in result.stderr
    data = embedded_data((tmp_path / "p.html").read_text(encoding="utf-8"))
    assert data["words"] == ["w3", "w0", "w1", "w2", "w7"] and data["groups"] == ["other", "a", "b"]


def test_explore_shows_the_first_words_or_limit(toy_vectors, tmp_path):
    out = tmp_path / "p.html"
    assert CliRunner().invoke(main, ["explore", str(toy_vectors), "--out", str(out), "--limit", "12"]).exit_code == 0
    assert embedded_data(out.read_text(encoding="utf-8"))["words"] == [f"w{i}" for i in range(12)]
    assert CliRunner().invoke(main, ["explore", str(toy_vectors), "--out", str(out)]).exit_code == 0
    assert len(embedded_data(out.read_text(encoding="utf-8"))["words"]) == 40


@pytest.mark.parametrize("arguments, message", [
    (["--words", " , "], "Error: the word list is empty: give words with --words, --words-file or --groups"),
    (["--words-file", "EMPTY"], "Error: the word list is empty: give words with --words, --words-file or --groups"),
    (["--words", "unicorn,dragon"], "Error: none of the 2 word(s) asked for is in the vocabulary of VECTORS"),
    (["--words", "w1"], "Error: an explore page needs at least two words that are in the vocabulary"),
    (["--limit", "0"], "Error: Invalid value for '--limit': 0 is not in the range x>=1."),
])
def test_bad_input_is_one_error_line(toy_vectors, tmp_path, arguments, message):
    (tmp_path / "empty.txt").write_text("# no words\n\n", encoding="utf-8")
    arguments = [str(tmp_path / "empty.txt") if a == "EMPTY" else a for a in arguments]
    out = tmp_path / "p.html"
    result = CliRunner().invoke(main, ["explore", str(toy_vectors), "--out", str(out), *arguments])
    assert result.exit_code in (1, 2)
    errors = [line for line in result.stderr.splitlines() if line.startswith("Error:")]
    assert errors == [message.replace("VECTORS", str(toy_vectors))] and "Traceback" not in result.output
    assert not out.exists()


# -- in a real browser -------------------------------------------------------------------------------------------


def rendered(page, fragment: str = "", script: str = "") -> str:
    """The DOM headless Chromium renders from page (a file) opened at #fragment, with script appended to the
    page first (into a copy) when given. No request can reach a network: every host resolves to nothing."""
    if script:
        copy = page.with_name("with-script.html")
        copy.write_text(page.read_text(encoding="utf-8").replace("</body>", f"<script>{script}</script></body>"),
                        encoding="utf-8")
        page = copy
    command = [CHROMIUM, "--headless", "--disable-gpu", "--no-sandbox", "--no-first-run", "--disable-extensions",
               "--host-resolver-rules=MAP * ~NOTFOUND", "--virtual-time-budget=5000", "--window-size=1000,700",
               f"--user-data-dir={page.parent / 'chromium-profile'}", "--dump-dom", page.resolve().as_uri() + fragment]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def shown_neighbours(dom: str) -> list[tuple[str, str]]:
    return [(html.unescape(word), cosine) for word, cosine in NEIGHBOUR_ITEM.findall(dom)]


def expected_neighbours(vectors: WordVectors, word: str) -> list[tuple[str, str]]:
    return [(w, f"{round(c * 1000) / 1000:.3f}") for w, c in vectors.most_similar([word], topn=10)]


@needs_chromium
def test_the_browser_shows_the_hashed_words_neighbours(toy_vectors, tmp_path):
    page_vectors = load_vectors(toy_vectors).subset([f"w{i}" for i in range(0, 40, 2)])  # 20 of the 40 words
    write_explore_page(tmp_path / "page.html", page_vectors, title="test")
    dom = rendered(tmp_path / "page.html", "#q=w6")
    assert 'data-ready="true"' in dom and "data-blocked" not in dom  # ran, and tried to load nothing
    assert shown_neighbours(dom) == expected_neighbours(page_vectors, "w6")
    assert re.search(r'<div id="status" data-word="w6">w6: its 10 nearest words</div>', dom)
    assert len(re.findall(r'<circle [^>]*class="near"', dom)) == 10 and dom.count('class="hit"') == 2


@needs_chromium
def test_clicking_a_point_shows_its_neighbours(toy_vectors, tmp_path):
    page_vectors = load_vectors(toy_vectors)
    write_explore_page(tmp_path / "page.html", page_vectors, title="test")
    click = ("document.querySelector('circle[data-i=\"17\"]')"
             ".dispatchEvent(new MouseEvent('click', {bubbles: true}));")
    dom = rendered(tmp_path / "page.html", script=click)
    assert shown_neighbours(dom) == expected_neighbours(page_vectors, "w17")
    assert 'id="search" list="words" placeholder="search a word"' in dom


@needs_chromium
def test_an_unknown_hashed_word_says_so(toy_vectors, tmp_path):
    write_explore_page(tmp_path / "page.html", load_vectors(toy_vectors), title="test")
    dom = rendered(tmp_path / "page.html", "#q=unicorn")
    assert '<div id="status">"unicorn" is not on this page</div>' in dom and shown_neighbours(dom) == []


@needs_chromium
def test_a_request_would_be_blocked_and_counted(toy_vectors, tmp_path):
    """The check above can fail: a page that does try to load something gets it blocked, and counted."""
    write_explore_page(tmp_path / "page.html", load_vectors(toy_vectors), title="test")
    dom = rendered(tmp_path / "page.html", script="new Image().src = 'https://example.com/pixel.png';")
    assert 'data-blocked="1"' in dom


@needs_chromium
def test_the_browser_handles_5000_words(tmp_path):
    vectors = random_vectors(5000, 16, seed=2)
    write_explore_page(tmp_path / "page.html", vectors, title="5000")
    dom = rendered(tmp_path / "page.html", "#q=w4321")
    assert dom.count("<circle") == 5000
    assert shown_neighbours(dom) == expected_neighbours(vectors, "w4321")
