"""Compiled counting and encoding (w2vcli/scan.py) against the Python path: Vocab.build(Corpus) and encode_blocks.

Every test runs both paths on the same file and asks for the same result: the same vocabulary (words, counts,
order, statistics) and the same encoded blocks, or the same W2VError message.
"""
from __future__ import annotations

import tempfile
from pathlib import Path
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import w2vcli.corpus as corpus_module
import w2vcli.vocab as vocab_module
from w2vcli.corpus import BUNDLED_CORPUS, MAX_SENTENCE_TOKENS, SST_HEADER, Corpus
from w2vcli.encoded import encode_blocks
from w2vcli.errors import W2VError
from w2vcli.scan import count_corpus, encode_blocks_fast
from w2vcli.vocab import Vocab

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora"
REAL_SST = SHARED / "stanfordSentimentTreebank" / "datasetSentences.txt"
GCIDE = SHARED / "gcide" / "gcide.txt"


def outcome(run):
    """run()'s result, or the message of the W2VError it raised."""
    try:
        return run()
    except W2VError as err:
        return f"W2VError: {err}"


def vocab_facts(vocab):
    if isinstance(vocab, str):
        return vocab
    return (vocab.words, vocab.counts.tolist(), vocab.corpus_tokens, vocab.corpus_types, vocab.pruned_types,
            vocab.corpus_sentences)


def blocks_facts(blocks):
    if isinstance(blocks, str):
        return blocks
    assert all(t.dtype == np.int32 and s.dtype == np.int64 for t, s in blocks)
    return [(t.tolist(), s.tolist()) for t, s in blocks]


def both_paths(path, fmt="auto", lowercase=True, min_count=1, max_vocab=None, block_size=None, block_tokens=1 << 20):
    """((Python vocabulary, compiled vocabulary), (Python blocks, compiled blocks)) as comparable values. The
    blocks encode with the Python vocabulary, or every word of the file when counting failed."""
    size = block_size or corpus_module.BLOCK_BYTES
    with mock.patch.object(corpus_module._read_lines, "__defaults__", (size,)):  # Corpus reads blocks of size
        old = outcome(lambda: Vocab.build(Corpus(path, fmt, lowercase), min_count, max_vocab))
        words = old.words if isinstance(old, Vocab) else every_word(path)
        word2ind = {word: i for i, word in enumerate(words)}
        old_blocks = outcome(lambda: list(encode_blocks(Corpus(path, fmt, lowercase), word2ind, block_tokens)))
    new = outcome(lambda: count_corpus(Corpus(path, fmt, lowercase), min_count, max_vocab, block_size=size))
    new_blocks = outcome(lambda: list(encode_blocks_fast(Corpus(path, fmt, lowercase), words, block_tokens, size)))
    return (vocab_facts(old), vocab_facts(new)), (blocks_facts(old_blocks), blocks_facts(new_blocks))


def every_word(path: Path) -> list[str]:
    """The distinct words of a file or folder (bad bytes replaced), lowered, sorted."""
    files = sorted(path.glob("*.txt")) if path.is_dir() else [path]
    return sorted({w for f in files for w in f.read_bytes().decode("utf-8", errors="replace").lower().split()})


def assert_same(path, **options):
    (old, new), (old_blocks, new_blocks) = both_paths(path, **options)
    assert new == old
    assert new_blocks == old_blocks
    return old, old_blocks


def write(path: Path, data) -> Path:
    path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
    return path


# --- real corpora -----------------------------------------------------------------------------------------------


def test_bundled_corpus_counts_and_encodes_the_same():
    vocab, blocks = assert_same(BUNDLED_CORPUS, min_count=5)
    assert vocab[0][:3] == ["the", "a", "and"] and vocab[2] == 142943  # words, corpus_tokens
    assert len(blocks) == 1 and len(blocks[0][1]) == 20000  # one block, every sentence has a known word
    assert_same(BUNDLED_CORPUS, min_count=1, block_tokens=10_000)  # many blocks, each cut after its sentence


@pytest.mark.skipif(not REAL_SST.exists(), reason="the treebank is not in ../shared")
@pytest.mark.parametrize("lowercase", [True, False])
def test_the_real_treebank_counts_and_encodes_the_same(lowercase):
    vocab, _ = assert_same(REAL_SST, lowercase=lowercase, min_count=1)  # 107 lines with UTF-8 go through Python
    assert vocab[2] == 227245 and vocab[5] == 11855  # corpus_tokens, corpus_sentences


@pytest.mark.skipif(not GCIDE.exists(), reason="GCIDE is not in ../shared")
def test_a_gcide_prefix_counts_and_encodes_the_same(tmp_path):
    with open(GCIDE, "rb") as handle:
        data = handle.read(2 << 20)
    path = write(tmp_path / "gcide.txt", data[:data.rfind(b"\n") + 1])
    vocab, blocks = assert_same(path, min_count=5, block_tokens=100_000)
    assert len(blocks) > 3 and vocab[3] > 20_000  # corpus_types


# --- tokens: white space, case, lines ---------------------------------------------------------------------------


def test_ties_keep_first_appearance(tmp_path):
    path = write(tmp_path / "t.txt", "b a d c\nc a\ne e f\n")
    vocab, _ = assert_same(path)
    assert vocab[0] == ["a", "c", "e", "b", "d", "f"]


def test_ascii_white_space_of_str_split(tmp_path):
    text = "a\tb\x0bc\x0cd\re\x1cf\x1dg\x1eh\x1fi j\r\n\x01k\x7fl\x08m\r\n \t \r\n"  # \x01 \x7f \x08: not white
    path = write(tmp_path / "t.txt", text)
    vocab, blocks = assert_same(path)
    assert vocab[0] == list("abcdefghij") + ["\x01k\x7fl\x08m"]
    assert blocks[0][1] == [10, 1]  # the blank third line gives no sentence


def test_unicode_white_space_and_case(tmp_path):
    text = ("Ǆemal\u00a0İstanbul\u2003ΟΔΟΣ Σ\u0085STRASSE Straße ẞ K\u3000end\u2028x\u202fy\n"
            "\ufeffBOM inside\nCAFÉ café Café\n")
    path = write(tmp_path / "t.txt", text)
    vocab, _ = assert_same(path)
    assert "οδος" in vocab[0] and "i̇stanbul" in vocab[0] and "ǆemal" in vocab[0]  # final sigma, dotted I
    assert "\ufeffbom" in vocab[0]  # a byte-order mark is only dropped at the file's start
    assert_same(path, lowercase=False)


def test_byte_order_mark_and_crlf(tmp_path):
    path = write(tmp_path / "t.txt", "\ufeffHello World\r\n\r\nfoo BAR\r\n")
    vocab, _ = assert_same(path)
    assert vocab[0] == ["hello", "world", "foo", "bar"]


def test_words_of_every_length_around_the_8_byte_pieces(tmp_path):
    """Words are hashed 8 bytes at a time and held whole in their slot up to 15 bytes (longer ones are compared
    in the arena; the length byte stops at 255): lengths 1-40, 250-260 and words sharing long prefixes."""
    words = ["".join(chr(97 + (i * 7 + k) % 26) for k in range(n)) for n in range(1, 41) for i in range(3)]
    words += ["p" * n for n in range(250, 261)] + ["q" * 15 + c for c in "abc"] + ["q" * 300 + c for c in "ab"]
    text = "\n".join(" ".join(words[i:] + words[:i]) for i in range(0, len(words), 5)) + "\nZ" * 3
    path = write(tmp_path / "t.txt", text.upper())
    vocab, _ = assert_same(path)
    assert len(vocab[0]) == len(words) + 1
    assert_same(path, lowercase=False)


def test_no_final_newline_blank_file_and_empty_file(tmp_path):
    assert_same(write(tmp_path / "a.txt", "one two\nthree"))
    for name, text in (("blank.txt", " \n\t\n"), ("empty.txt", "")):
        (old, new), (old_blocks, new_blocks) = both_paths(write(tmp_path / name, text))
        assert new == old == f"W2VError: the corpus {tmp_path / name} has no words"
        assert new_blocks == old_blocks == []


def test_min_count_error_names_the_most_frequent_word(tmp_path):
    (old, new), _ = both_paths(write(tmp_path / "t.txt", "b a a\n"), min_count=5)
    assert new == old and "'a', occurs 2 times" in new


def test_max_vocab_keeps_the_most_frequent(tmp_path):
    vocab, _ = assert_same(write(tmp_path / "t.txt", "a b b c c c d d d d\n"), max_vocab=2)
    assert vocab[0] == ["d", "c"]


def test_vocabulary_with_repeats_and_impossible_words(tmp_path):
    path = write(tmp_path / "t.txt", "a b c a\n")
    words = ["a", "b", "a", "", "b c", "x\ny"]  # a: index 2 (the last, as a dict); the others never match
    old = list(encode_blocks(Corpus(path), {w: i for i, w in enumerate(words)}))
    new = list(encode_blocks_fast(Corpus(path), words))
    assert blocks_facts(new) == blocks_facts(old) == [([2, 1, 2], [3])]
    assert list(encode_blocks_fast(Corpus(path), [])) == list(encode_blocks(Corpus(path), {})) == []


# --- sentences and blocks ---------------------------------------------------------------------------------------


def test_long_sentences_are_cut_at_max_sentence_tokens(tmp_path):
    lines = [" ".join(f"w{i % 50}" for i in range(n)) for n in (25_001, MAX_SENTENCE_TOKENS, 2 * MAX_SENTENCE_TOKENS)]
    path = write(tmp_path / "t.txt", "\n".join(lines) + "   \n")
    vocab, blocks = assert_same(path)
    assert vocab[5] == 3 + 1 + 2  # corpus_sentences
    assert blocks[0][1] == [10_000, 10_000, 5_001, 10_000, 10_000, 10_000]
    # out-of-vocabulary words still count towards the cut: sentences of 10,000 tokens, of which some are known
    assert_same(path, min_count=600)


def test_lines_longer_than_the_block_are_read_in_pieces(tmp_path):
    line = " ".join(f"Word{i % 37}" for i in range(400))  # about 2,600 bytes
    text = f"{line}\nshort line\n{line}\tend\n{'x' * 50} ünï {line}"
    path = write(tmp_path / "t.txt", text)
    for block_size in (64, 100, 1000):
        assert_same(path, block_size=block_size, block_tokens=50)


def test_pieces_of_long_sst_lines_are_not_split_at_a_tab(tmp_path):
    line = "\t".join(f"w{i % 13} x{i % 7}" for i in range(300))
    path = write(tmp_path / "s.txt", f"{SST_HEADER}\n1\t{line}\n2\tshort\n3\t{line}\n")
    vocab, _ = assert_same(path, block_size=128)
    assert vocab[5] > 10  # every piece is a sentence


def test_a_long_run_without_white_space_is_the_same_error(tmp_path):
    path = write(tmp_path / "t.txt", b"ok line\n" + b"x" * 2000)
    (old, new), (old_blocks, new_blocks) = both_paths(path, block_size=64)
    assert new == old and "without white space" in new
    assert new_blocks == old_blocks


# --- formats ----------------------------------------------------------------------------------------------------


def test_sst_format_header_tabs_and_blank_lines(tmp_path):
    text = f"{SST_HEADER}\r\n1\tThe Rock\tis\r\n\r\n  \t \n2\t\n3\tA second  one\nx7\tindex dropped\n"
    vocab, _ = assert_same(write(tmp_path / "s.txt", text))
    assert vocab[0][:3] == ["the", "rock", "is"] and vocab[5] == 3  # corpus_sentences: "2\t" has none
    assert_same(tmp_path / "s.txt", fmt="sst")
    assert_same(tmp_path / "s.txt", fmt="text")
    assert_same(write(tmp_path / "n.txt", "7\tone two\n8\tthree\n"), fmt="sst")  # no header: every line


def test_sst_line_without_tab_is_the_same_error(tmp_path):
    for text in (f"{SST_HEADER}\n1\tfine\n2 no tab here\n", f"{SST_HEADER}\n1\tfiné\n2 nö tab\n",
                 f"{SST_HEADER}\n1\tfine\n2 no tab\n3\tbad \x00 later\n"):
        (old, new), (old_blocks, new_blocks) = both_paths(write(tmp_path / "s.txt", text))
        assert new == old and ":3: an SST line needs" in new
        assert new_blocks == old_blocks


def test_a_folder_of_text_and_sst_files(tmp_path):
    folder = tmp_path / "corpus"
    folder.mkdir()
    write(folder / "a.txt", "Hello world\nhello there\n")
    write(folder / "b.txt", f"{SST_HEADER}\n1\tThe world\n")
    write(folder / "c.md", "not read\n")
    vocab, _ = assert_same(folder)
    assert vocab[0] == ["hello", "world", "there", "the"]


# --- bad bytes --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("data", [
    b"good line\nabc\x00def\n",  # NUL in an ASCII file
    b"good\nna\xefve \xc3\xa9t\xc3\xa9\nabc\x00\n",  # NUL after UTF-8
    b"ok\nok\nbad \xff byte\n",  # not UTF-8
    b"\xc3\xa9\nfine\ncut \xc3\n",  # a cut sequence
    b"\x00",
])
def test_bad_bytes_are_the_same_error(tmp_path, data):
    path = write(tmp_path / "bad.txt", data)
    (old, new), (old_blocks, new_blocks) = both_paths(path)
    assert new == old and new.startswith(f"W2VError: {path}:")
    assert new_blocks == old_blocks


# --- properties: any text, any block size, pruning --------------------------------------------------------------

PIECES = [p.encode("utf-8") for p in [
    "a", "B", "ab", "Ab", "abcdefgh", "ABCDEFGHIJKLMNOPQ", "abcdefghijklmnop", "é", "İ", "Σ", "ß", "ǅ", "x\u00a0y",
    " ", "  ", "\t", "\x0b", "\x0c", "\r", "\x1c", "\x1f", "\x85", "\u2003", "\n", "\n", "\n", "\ufeff", "1\t",
    "\x01", SST_HEADER + "\n"]] + [b"\x00", b"\xff", b"\xc3"]  # the last three: errors


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=60).filter(lambda p: p.count(b"\x00") + p.count(b"\xff") < 2),
       st.sampled_from([None, 8, 16, 40]),
       st.sampled_from(["auto", "sst", "text"]), st.booleans())
def test_any_text_counts_and_encodes_the_same(pieces, block_size, fmt, lowercase):
    with tempfile.TemporaryDirectory() as folder:
        path = write(Path(folder) / "t.txt", b"".join(pieces))
        (old, new), (old_blocks, new_blocks) = both_paths(path, fmt, lowercase, block_size=block_size,
                                                          block_tokens=3)
        assert new == old
        assert new_blocks == old_blocks


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.integers(0, 400), min_size=1, max_size=30), min_size=1, max_size=60),
       st.integers(1, 6), st.integers(0, 8), st.integers(1, 3))
def test_pruning_with_max_vocab_is_the_same(sentences, max_vocab, slack, min_count):
    """Many types and a tiny slack (the count holds at most max_vocab + slack words): the pruning rounds, the
    counts of words pruned and seen again, and the order of their return (at the end, as Counter) all agree."""
    text = "\n".join(" ".join(f"w{i % 7}" if i % 3 else f"long-word-{i}" for i in s) for s in sentences)
    with tempfile.TemporaryDirectory() as folder, mock.patch.object(vocab_module, "PRUNE_SLACK", slack):
        path = write(Path(folder) / "t.txt", text)
        (old, new), (old_blocks, new_blocks) = both_paths(path, min_count=min_count, max_vocab=max_vocab)
        assert new == old  # also when pruning left no word: the same W2VError
        assert new_blocks == old_blocks


def test_pruning_every_word_away_is_the_same_error(tmp_path, monkeypatch):
    monkeypatch.setattr(vocab_module, "PRUNE_SLACK", 2)
    (old, new), _ = both_paths(write(tmp_path / "t.txt", "a b\nc d e\n"), max_vocab=1)
    assert new == old == ("W2VError: every word was dropped while counting (--max-vocab 1 holds the 3 most "
                          "frequent at most, dropping the rarest): raise --max-vocab")


def test_pruning_holds_max_vocab_plus_slack(tmp_path, monkeypatch):
    monkeypatch.setattr(vocab_module, "PRUNE_SLACK", 50)
    rng = np.random.default_rng(0)
    ranks = np.minimum(rng.zipf(1.3, 20_000), 5_000)
    text = "\n".join(" ".join(f"t{r}" for r in ranks[i:i + 8]) for i in range(0, len(ranks), 8))
    vocab, _ = assert_same(write(tmp_path / "z.txt", text), min_count=2, max_vocab=20)
    assert vocab[4] > 1000 and vocab[3] <= 20 + 50  # pruned_types, corpus_types
