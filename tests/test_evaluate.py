"""w2vcli.evaluate gives gensim's numbers: word-pair correlations (SimLex-999) and analogy accuracy, per section,
case-insensitively, with restrict_vocab and with malformed lines skipped the same way."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from w2vcli.errors import W2VError
from w2vcli.evaluate import evaluate_word_analogies, evaluate_word_pairs
from w2vcli.vectors import WordVectors

KeyedVectors = pytest.importorskip("gensim.models").KeyedVectors
pytestmark = pytest.mark.filterwarnings("ignore:Call to deprecated `init_sims`:DeprecationWarning")  # gensim's cosmul

SIMLEX = Path(__file__).resolve().parent.parent.parent / "shared" / "eval" / "simlex999.txt"


def gensim_kv(wv: WordVectors) -> KeyedVectors:
    kv = KeyedVectors(wv.dim)
    kv.add_vectors(list(wv.words), wv.vectors)
    return kv


def simlex_pairs() -> list[tuple[str, str, float]]:
    pairs = []
    for line in SIMLEX.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            a, b, score = line.split("\t")
            pairs.append((a, b, float(score)))
    return pairs


@pytest.fixture(scope="module")
def simlex_vectors() -> WordVectors:
    """Random seeded vectors over about half of SimLex's words, some of them in another case, one word twice in
    different cases (the first row must win), and filler words."""
    if not SIMLEX.exists():
        pytest.skip(f"{SIMLEX} is absent")
    rng = np.random.default_rng(7)
    words = list(dict.fromkeys(w for a, b, _ in simlex_pairs() for w in (a, b)))
    chosen = [w for w in words if rng.random() < 0.5]
    chosen = [w.upper() if i % 7 == 0 else w.capitalize() if i % 11 == 0 else w for i, w in enumerate(chosen)]
    chosen.insert(5, chosen[3].swapcase())  # a later case variant of an earlier word: ignored by both
    vocab = chosen + [f"filler{i}" for i in range(50)]
    rng.shuffle(vocab)
    return WordVectors(vocab, rng.standard_normal((len(vocab), 16)).astype(np.float32))


def in_vocab_pairs(wv: WordVectors, restrict: int | None = None) -> int:
    known = {w.upper() for w in wv.words[:restrict]}
    return sum(a.upper() in known and b.upper() in known for a, b, _ in simlex_pairs())


@pytest.mark.parametrize("restrict", [300_000, 200])
def test_simlex_pairs_equal_gensim(simlex_vectors, restrict):
    ours = evaluate_word_pairs(simlex_vectors, SIMLEX, restrict_vocab=restrict)
    pearson, spearman, oov_ratio = gensim_kv(simlex_vectors).evaluate_word_pairs(str(SIMLEX), restrict_vocab=restrict)
    assert ours["spearman"] == pytest.approx(float(spearman[0]), abs=1e-6)
    assert ours["pearson"] == pytest.approx(float(pearson[0]), abs=1e-6)
    assert ours["oov_ratio"] == pytest.approx(float(oov_ratio), abs=1e-6)
    n_pairs = len(simlex_pairs())
    assert ours["pairs_used"] == in_vocab_pairs(simlex_vectors, restrict)
    assert ours["oov_ratio"] == pytest.approx(100 * (n_pairs - ours["pairs_used"]) / n_pairs, abs=1e-9)
    assert ours["skipped_lines"] == 0
    assert 20 < ours["pairs_used"] < n_pairs - 20  # "about half": both known and unknown pairs present


def test_restrict_vocab_changes_pairs_result(simlex_vectors):
    full = evaluate_word_pairs(simlex_vectors, SIMLEX)
    cut = evaluate_word_pairs(simlex_vectors, SIMLEX, restrict_vocab=200)
    assert cut["pairs_used"] < full["pairs_used"]
    assert cut["oov_ratio"] > full["oov_ratio"]
    assert cut["spearman"] != full["spearman"]


def test_pairs_are_case_insensitive_and_first_variant_wins(tmp_path):
    words = ["Cat", "dog", "CAT", "bird", "Fish"]
    vectors = np.array([[1, 0], [1, 1], [-1, 0], [0, 1], [1, -1]], dtype=np.float32)
    wv = WordVectors(words, vectors)
    path = tmp_path / "pairs.txt"
    path.write_text("cat\tDOG\t3\ncAt\tbird\t1\nfish\tdog\t0\nFISH\tcat\t2\n", encoding="utf-8")
    ours = evaluate_word_pairs(wv, path)
    # with row 0 ("Cat"), cosines: cat-dog 0.707, cat-bird 0, fish-dog 0, fish-cat 0.707 (row 2 would negate them)
    model = [2 ** -0.5, 0.0, 0.0, 2 ** -0.5]
    from scipy import stats

    assert ours["pearson"] == pytest.approx(stats.pearsonr([3, 1, 0, 2], model)[0], abs=1e-6)
    assert ours["pearson"] > 0.8
    pearson, spearman, oov = gensim_kv(wv).evaluate_word_pairs(str(path))
    assert ours["pearson"] == pytest.approx(pearson[0], abs=1e-6)
    assert ours["spearman"] == pytest.approx(spearman[0], abs=1e-6)
    assert ours["pairs_used"] == 4 and ours["oov_ratio"] == 0.0


def test_malformed_pair_lines_are_skipped_and_counted_like_gensim(tmp_path, simlex_vectors):
    known = [w for w in simlex_vectors.words if not w.startswith("filler")][:12]
    rng = np.random.default_rng(3)
    good = [f"{known[i]}\t{known[i + 1]}\t{rng.uniform(0, 10):.2f}" for i in range(11)]
    lines = (
        ["# a comment", "# word1\tword2\tscore"]
        + good[:4]
        + [f"{known[0]}\t{known[1]}"]  # two fields
        + [f"{known[2]}\t{known[3]}\tnine"]  # a score that is not a number
        + [""]  # blank line
        + good[4:8]
        + [f"{known[4]}\t{known[5]}\t1.0\t2.0"]  # four fields
        + [f"{known[6]} {known[7]} 3.0"]  # spaces, not tabs: one field
        + ["unknownword\tzzzz\t5.0"]  # well-formed but out of vocabulary
        + good[8:]
    )
    path = tmp_path / "messy.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ours = evaluate_word_pairs(simlex_vectors, path)
    pearson, spearman, oov_ratio = gensim_kv(simlex_vectors).evaluate_word_pairs(str(path))
    assert ours["skipped_lines"] == 5
    assert ours["pairs_used"] == 11
    assert ours["oov_ratio"] == pytest.approx(100 / 12) == pytest.approx(oov_ratio)
    assert ours["spearman"] == pytest.approx(spearman[0], abs=1e-6)
    assert ours["pearson"] == pytest.approx(pearson[0], abs=1e-6)
    clean = tmp_path / "clean.txt"
    clean.write_text("\n".join(good) + "\n", encoding="utf-8")
    assert evaluate_word_pairs(simlex_vectors, clean)["spearman"] == pytest.approx(ours["spearman"], abs=1e-12)


def test_pairs_errors(tmp_path):
    wv = WordVectors(["a", "b", "c"], np.eye(3, dtype=np.float32))
    with pytest.raises(W2VError, match=r"nowhere\.txt does not exist"):
        evaluate_word_pairs(wv, tmp_path / "nowhere.txt")
    path = tmp_path / "oov.txt"
    path.write_text("x\ty\t1\na\tb\t2\n", encoding="utf-8")
    with pytest.raises(W2VError, match=r"oov\.txt: fewer than two usable pairs"):
        evaluate_word_pairs(wv, path)


# -- analogies --------------------------------------------------------------------------------------------------

CAPITALS = [("athens", "greece"), ("berlin", "germany"), ("paris", "france"), ("rome", "italy"),
            ("tokyo", "japan"), ("madrid", "spain"), ("oslo", "norway")]
FAMILY = [("boy", "girl"), ("brother", "sister"), ("father", "mother"), ("king", "queen"), ("man", "woman"),
          ("son", "daughter")]

ANALOGIES = """\
: capital-common-countries
athens greece berlin germany
Athens Greece BERLIN germany
berlin germany paris france
paris france rome italy
rome italy tokyo japan
tokyo japan madrid spain
madrid spain oslo norway
oslo norway athens greece
lisbon portugal paris france
paris france lisbon portugal
athens greece

germany berlin france paris
: family
boy girl brother sister
brother sister father mother
father mother king queen
King Queen MAN Woman
man woman son daughter
son daughter boy girl
boy girl uncle aunt
girl boy sister brother
mother father queen king
woman man daughter son
"""


@pytest.fixture(scope="module")
def analogy_vectors() -> WordVectors:
    """Countries and capitals (capital = country + offset + noise), male and female words likewise, one word in
    the vocabulary only capitalised (Tokyo) and one twice (Paris, then PARIS), then random fillers."""
    rng = np.random.default_rng(11)
    dim = 12
    capital_offset, female_offset = rng.standard_normal(dim), rng.standard_normal(dim)
    words, rows = [], []
    for (capital, country), (male, female) in zip(CAPITALS, FAMILY + [(None, None)]):
        base = rng.standard_normal(dim)
        words += [country, "Tokyo" if capital == "tokyo" else "Paris" if capital == "paris" else capital]
        rows += [base, base + capital_offset + 0.9 * rng.standard_normal(dim)]
        if male:
            base = rng.standard_normal(dim)
            words += [male, female]
            rows += [base, base + female_offset + 0.9 * rng.standard_normal(dim)]
    words.append("PARIS")
    rows.append(rng.standard_normal(dim))
    words += [f"filler{i}" for i in range(60)]
    rows += list(rng.standard_normal((60, dim)))
    return WordVectors(words, np.array(rows, dtype=np.float32))


@pytest.fixture
def analogy_file(tmp_path) -> Path:
    path = tmp_path / "questions.txt"
    path.write_text(ANALOGIES, encoding="utf-8")
    return path


def assert_analogies_equal_gensim(wv, path, restrict):
    ours = evaluate_word_analogies(wv, path, restrict_vocab=restrict)
    score, sections = gensim_kv(wv).evaluate_word_analogies(str(path), restrict_vocab=restrict)
    *theirs, total = sections
    assert total["section"] == "Total accuracy"
    assert ours["accuracy"] == pytest.approx(score, abs=1e-12)
    assert ours["correct"] == len(total["correct"])
    assert ours["total"] == len(total["correct"]) + len(total["incorrect"])
    assert [s["section"] for s in ours["sections"]] == [s["section"] for s in theirs]
    for mine, ref in zip(ours["sections"], theirs):
        assert mine["correct"] == len(ref["correct"]), mine["section"]
        assert mine["total"] == len(ref["correct"]) + len(ref["incorrect"]), mine["section"]
        expected_accuracy = mine["correct"] / mine["total"] if mine["total"] else 0.0
        assert mine["accuracy"] == pytest.approx(expected_accuracy)
    return ours


def test_analogies_equal_gensim(analogy_vectors, analogy_file):
    ours = assert_analogies_equal_gensim(analogy_vectors, analogy_file, 300_000)
    assert [s["section"] for s in ours["sections"]] == ["capital-common-countries", "family"]
    # 11 + 10 well-formed questions; lisbon, portugal, uncle and aunt are unknown (3 questions); 1 short + 1 blank
    assert ours["total"] == 18
    assert [s["total"] for s in ours["sections"]] == [9, 9]
    assert ours["oov_ratio"] == pytest.approx(100 * 3 / 21)
    assert ours["skipped_lines"] == 2
    assert 0 < ours["correct"] < ours["total"]  # the data make both right and wrong answers
    assert all(0 < s["correct"] <= s["total"] for s in ours["sections"])


@pytest.mark.parametrize("restrict", [8, 14, 20, 24])
def test_restrict_vocab_changes_analogies_like_gensim(analogy_vectors, analogy_file, restrict):
    full = evaluate_word_analogies(analogy_vectors, analogy_file)
    cut = assert_analogies_equal_gensim(analogy_vectors, analogy_file, restrict)
    assert cut["total"] < full["total"]
    assert cut["oov_ratio"] > full["oov_ratio"]


def test_restrict_vocab_without_fillers_like_gensim(analogy_vectors, analogy_file):
    """All question words kept, only the random fillers cut from the candidates."""
    cut = assert_analogies_equal_gensim(analogy_vectors, analogy_file, 27)
    assert cut["total"] == 18


def test_analogy_is_found_on_exact_offsets(tmp_path):
    """Exact offsets and no noise: every question is right, whatever the case of the file."""
    rng = np.random.default_rng(2)
    offset = rng.standard_normal(8)
    words, rows = [], []
    for name in ["a", "b", "c", "d"]:
        base = 3 * rng.standard_normal(8)
        words += [name, name + "2"]
        rows += [base, base + offset]
    wv = WordVectors(words, np.array(rows, dtype=np.float32))
    path = tmp_path / "q.txt"
    path.write_text(": s\na a2 b b2\nA A2 C C2\nd D2 a A2\nb b2 d d2\n", encoding="utf-8")
    ours = evaluate_word_analogies(wv, path)
    assert (ours["correct"], ours["total"], ours["accuracy"]) == (4, 4, 1.0)
    score, _ = gensim_kv(wv).evaluate_word_analogies(str(path))
    assert score == 1.0


def test_question_before_any_section_is_an_error(tmp_path, analogy_vectors):
    path = tmp_path / "nosection.txt"
    path.write_text("athens greece berlin germany\n: capitals\nparis france rome italy\n", encoding="utf-8")
    with pytest.raises(W2VError, match=r"nosection\.txt:1: a question before the first `: section`"):
        evaluate_word_analogies(analogy_vectors, path)
    with pytest.raises(ValueError):  # gensim refuses it too
        gensim_kv(analogy_vectors).evaluate_word_analogies(str(path))


# -- 3CosMul, dummy4unknown, case-sensitive, compute-accuracy's summary (issue 14) ---------------------------------

MANY_SECTIONS = 7  # more than compute-accuracy's five semantic sections


def gensim_evaluate(wv: WordVectors, path, method="add", restrict=300_000, **options):
    """gensim 4.4's evaluate_word_analogies with 3CosAdd, or with 3CosMul: gensim 4.4 accepts
    similarity_function but always calls most_similar (see test_gensim_ignores_similarity_function), so the
    instance's most_similar is most_similar_cosmul here, which is what that argument was meant to do. gensim's
    most_similar_cosmul ignores restrict_vocab; the KeyedVectors hold the first `restrict` words only, so its
    candidates are those words, as ours are."""
    kv = gensim_kv(wv.subset(list(wv.words[:restrict])) if restrict < len(wv) else wv)
    if method == "cosmul":
        kv.most_similar = kv.most_similar_cosmul
    return kv.evaluate_word_analogies(str(path), restrict_vocab=restrict, **options)


def assert_report_equals_gensim(ours: dict, gensim_result):
    """Sections, totals, and the semantic/syntactic split recomputed from gensim's own sections."""
    score, sections = gensim_result
    *theirs, total = sections
    counts = [(len(s["correct"]), len(s["correct"]) + len(s["incorrect"])) for s in theirs]
    assert [(s["correct"], s["total"]) for s in ours["sections"]] == counts
    assert [s["section"] for s in ours["sections"]] == [s["section"] for s in theirs]
    assert ours["accuracy"] == pytest.approx(score, abs=1e-12)
    assert (ours["correct"], ours["total"]) == (len(total["correct"]), len(total["correct"]) + len(total["incorrect"]))
    for part, chosen in (("semantic", counts[:5]), ("syntactic", counts[5:])):
        correct, asked = sum(c for c, _ in chosen), sum(t for _, t in chosen)
        assert (ours[part]["correct"], ours[part]["total"]) == (correct, asked)
        assert ours[part]["accuracy"] == pytest.approx(correct / asked if asked else 0.0)


@pytest.fixture(scope="module")
def many_sections_file(tmp_path_factory) -> Path:
    """Every ordered pair of capital pairs and of family pairs, dealt into 7 sections (4 semantic-named,
    3 grammar-named), plus unknown words (lisbon, uncle), mixed case, a short line and a blank one."""
    rng = np.random.default_rng(5)
    questions = [f"{a} {b} {c} {d}" for pairs in (CAPITALS + [("lisbon", "portugal")], FAMILY + [("uncle", "aunt")])
                 for a, b in pairs for c, d in pairs if a != c]
    questions = [q.upper() if rng.random() < 0.1 else q for q in questions]
    rng.shuffle(questions)
    names = ["capital-common-countries", "capital-world", "currency", "city-in-state", "family",
             "gram1-adjective-to-adverb", "gram2-opposite"]
    lines = []
    for number, name in enumerate(names):
        lines += [f": {name}"] + questions[number::MANY_SECTIONS]
    lines[3:3] = ["athens greece", ""]
    path = tmp_path_factory.mktemp("analogies") / "many.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("method", ["add", "cosmul"])
@pytest.mark.parametrize("restrict", [300_000, 22])
def test_methods_equal_gensim_per_section(analogy_vectors, many_sections_file, method, restrict):
    ours = evaluate_word_analogies(analogy_vectors, many_sections_file, restrict_vocab=restrict, method=method)
    assert_report_equals_gensim(ours, gensim_evaluate(analogy_vectors, many_sections_file, method, restrict))
    assert ours["method"] == method and len(ours["sections"]) == MANY_SECTIONS
    assert 0 < ours["correct"] < ours["total"]
    assert ours["semantic"]["total"] > 0 and ours["syntactic"]["total"] > 0


def test_cosmul_and_add_answer_differently(analogy_vectors, many_sections_file):
    """The data tell the methods apart, so the equalities above test 3CosMul itself."""
    add = evaluate_word_analogies(analogy_vectors, many_sections_file, method="add")
    cosmul = evaluate_word_analogies(analogy_vectors, many_sections_file, method="cosmul")
    assert [s["correct"] for s in add["sections"]] != [s["correct"] for s in cosmul["sections"]]
    assert add["total"] == cosmul["total"]


def test_gensim_ignores_similarity_function(analogy_vectors, many_sections_file):
    """gensim 4.4's similarity_function='most_similar_cosmul' gives its 3CosAdd numbers (the argument is unused):
    why the reference above substitutes most_similar_cosmul itself. Fails once gensim honours the argument."""
    kv = gensim_kv(analogy_vectors)
    score, _ = kv.evaluate_word_analogies(str(many_sections_file), similarity_function="most_similar_cosmul")
    add = evaluate_word_analogies(analogy_vectors, many_sections_file, method="add")
    cosmul = evaluate_word_analogies(analogy_vectors, many_sections_file, method="cosmul")
    assert score == add["accuracy"] != cosmul["accuracy"]


def test_cosmul_scores_are_gensims(analogy_vectors):
    from w2vcli.evaluate import cosmul_scores

    kv = gensim_kv(analogy_vectors)
    rows = [analogy_vectors.index[w] for w in ("athens", "greece", "berlin")]
    theirs = kv.most_similar_cosmul(positive=["greece", "berlin"], negative=["athens"], topn=None)  # (V,)
    ours = cosmul_scores(analogy_vectors, *rows)
    assert ours.dtype == theirs.dtype == np.float32
    np.testing.assert_allclose(ours, theirs, rtol=2e-7, atol=0)
    assert np.all(ours > 0)  # shifted cosines: every score positive
    np.testing.assert_allclose(cosmul_scores(analogy_vectors, *rows, restrict_vocab=10), ours[:10], rtol=2e-7)


@pytest.mark.parametrize("method", ["add", "cosmul"])
def test_dummy4unknown_analogies_equal_gensim(analogy_vectors, many_sections_file, method):
    ours = evaluate_word_analogies(analogy_vectors, many_sections_file, method=method, dummy4unknown=True)
    assert_report_equals_gensim(ours, gensim_evaluate(analogy_vectors, many_sections_file, method,
                                                      dummy4unknown=True))
    skipped = evaluate_word_analogies(analogy_vectors, many_sections_file, method=method)
    unknown = ours["questions"] - ours["questions_seen"]
    assert unknown > 0
    assert ours["total"] == skipped["total"] + unknown == ours["questions"]  # the unknown counted, and wrong
    assert ours["correct"] == skipped["correct"]
    assert ours["oov_ratio"] == skipped["oov_ratio"] == pytest.approx(100 * unknown / ours["questions"])


@pytest.fixture(scope="module")
def case_vectors() -> WordVectors:
    """Exact capital offsets where case variants are different words: "Paris"/"paris", "ROME"/"rome"."""
    rng = np.random.default_rng(9)
    offset = rng.standard_normal(10)
    words, rows = [], []
    for capital, country in CAPITALS:
        base = rng.standard_normal(10)
        words += [country, capital]
        rows += [base, base + offset + 0.3 * rng.standard_normal(10)]
    for variant in ("Paris", "ROME", "Greece"):
        words.append(variant)
        rows.append(rng.standard_normal(10))
    words += [f"filler{i}" for i in range(30)]
    rows += list(rng.standard_normal((30, 10)))
    return WordVectors(words, np.array(rows, dtype=np.float32))


CASE_QUESTIONS = """\
: capitals
greece athens germany berlin
greece athens france paris
greece athens france Paris
Greece athens italy rome
greece athens italy ROME
germany berlin japan tokyo
GERMANY BERLIN SPAIN MADRID
spain madrid norway oslo
: more
france Paris italy ROME
norway oslo Greece athens
"""


@pytest.mark.parametrize("case_sensitive", [False, True])
@pytest.mark.parametrize("dummy", [False, True])
@pytest.mark.parametrize("method", ["add", "cosmul"])
def test_case_sensitive_analogies_equal_gensim(tmp_path, case_vectors, case_sensitive, dummy, method):
    path = tmp_path / "case.txt"
    path.write_text(CASE_QUESTIONS, encoding="utf-8")
    ours = evaluate_word_analogies(case_vectors, path, method=method, case_sensitive=case_sensitive,
                                   dummy4unknown=dummy)
    assert_report_equals_gensim(ours, gensim_evaluate(case_vectors, path, method, case_insensitive=not case_sensitive,
                                                      dummy4unknown=dummy))
    # upper-cased, all 10 questions are known; as written, GERMANY BERLIN SPAIN MADRID is not (Paris, ROME and
    # Greece are words, but random ones: questions naming them are answered, and mostly wrong)
    assert ours["questions"] == 10
    assert ours["questions_seen"] == (9 if case_sensitive else 10)
    other = evaluate_word_analogies(case_vectors, path, method=method, case_sensitive=not case_sensitive,
                                    dummy4unknown=dummy)
    assert ours["correct"] != other["correct"]


@pytest.mark.parametrize("case_sensitive", [False, True])
@pytest.mark.parametrize("dummy", [False, True])
def test_pairs_dummy4unknown_and_case_equal_gensim(tmp_path, case_vectors, case_sensitive, dummy):
    rng = np.random.default_rng(4)
    known = [w for w in case_vectors.words if not w.startswith("filler")]
    lines = [f"{known[i]}\t{known[(3 * i + 1) % len(known)]}\t{rng.uniform(0, 10):.2f}" for i in range(len(known))]
    lines += ["PARIS\tgreece\t7.5", "Paris\tROME\t2.0", "athens\tnowhere\t4.0", "Oslo\tNORWAY\t9.0", "#\tc\t1"]
    path = tmp_path / "pairs.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    ours = evaluate_word_pairs(case_vectors, path, dummy4unknown=dummy, case_sensitive=case_sensitive)
    pearson, spearman, oov_ratio = gensim_kv(case_vectors).evaluate_word_pairs(
        str(path), dummy4unknown=dummy, case_insensitive=not case_sensitive)
    assert ours["spearman"] == pytest.approx(float(spearman[0]), abs=1e-6)
    assert ours["pearson"] == pytest.approx(float(pearson[0]), abs=1e-6)
    assert ours["oov_ratio"] == pytest.approx(float(oov_ratio), abs=1e-9)
    unknown = 3 if case_sensitive else 1  # PARIS and Oslo/NORWAY only as written; nowhere always
    assert ours["oov_ratio"] == pytest.approx(100 * unknown / (len(known) + 4))
    assert ours["pairs_used"] == len(known) + 4 - (0 if dummy else unknown)


def test_cli_report_ends_with_compute_accuracy_summary(tmp_path, analogy_vectors, many_sections_file):
    import json

    from click.testing import CliRunner

    from w2vcli.cli import main

    vectors_path = tmp_path / "v.txt"
    analogy_vectors.save(vectors_path)
    args = ["evaluate", str(vectors_path), "--analogies", str(many_sections_file), "--method", "cosmul"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    score, sections = gensim_evaluate(analogy_vectors, many_sections_file, "cosmul")
    counts = [(len(s["correct"]), len(s["correct"]) + len(s["incorrect"])) for s in sections[:-1]]
    semantic, syntactic = (sum(c for c, _ in part) / sum(t for _, t in part) for part in (counts[:5], counts[5:]))
    questions = sum(len(line.split()) == 4 for line in many_sections_file.read_text().splitlines())
    seen = sum(t for _, t in counts)
    lines = result.output.splitlines()
    assert lines[0].startswith(f"analogies {many_sections_file} (3CosMul): accuracy {score:.4f}")
    assert len(lines) == 1 + MANY_SECTIONS + 2
    assert lines[-2] == (f"Total accuracy: {100 * score:.2f} %   Semantic accuracy: {100 * semantic:.2f} %   "
                         f"Syntactic accuracy: {100 * syntactic:.2f} %")
    assert lines[-1] == f"Questions seen / total: {seen} {questions}   {100 * seen / questions:.2f} %"
    report = json.loads(CliRunner().invoke(main, args + ["--json"]).output)["analogies"]
    assert report["accuracy"] == pytest.approx(score)
    assert report["semantic"]["accuracy"] == pytest.approx(semantic)
    assert report["syntactic"]["accuracy"] == pytest.approx(syntactic)
    assert (report["questions_seen"], report["questions"]) == (seen, questions)


def test_summary_without_syntactic_sections():
    from w2vcli.evaluate import compute_accuracy_summary

    report = {"accuracy": 0.5, "correct": 2, "total": 4, "semantic": {"accuracy": 0.5, "correct": 2, "total": 4},
              "syntactic": {"accuracy": 0.0, "correct": 0, "total": 0}, "questions_seen": 4, "questions": 8}
    assert compute_accuracy_summary(report) == [
        "Total accuracy: 50.00 %   Semantic accuracy: 50.00 %   Syntactic accuracy: n/a",
        "Questions seen / total: 4 8   50.00 %",
    ]


def test_unknown_method_is_an_error(analogy_vectors, analogy_file):
    with pytest.raises(W2VError, match="unknown analogy method 'mul'"):
        evaluate_word_analogies(analogy_vectors, analogy_file, method="mul")
