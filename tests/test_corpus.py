"""Corpus readers: plain text, the SST file, auto-detection, folders, errors, and the real treebank."""
from __future__ import annotations

from pathlib import Path

import pytest

from w2vcli.corpus import SST_HEADER, Corpus, cut_long, resolve_corpus
from w2vcli.errors import W2VError
from w2vcli.vocab import Vocab

REAL_SST = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "stanfordSentimentTreebank" / (
    "datasetSentences.txt"
)


def write(path: Path, data) -> Path:
    if isinstance(data, str):
        path.write_bytes(data.encode("utf-8"))
    else:
        path.write_bytes(data)
    return path


# --- plain text -------------------------------------------------------------------------------------------------


def test_text_reader_skips_blank_lines_and_splits_on_whitespace(tmp_path):
    f = write(tmp_path / "c.txt", "Hello World\n\n   \n\t\nFoo  bar\tbaz \n  The END\n")
    assert list(Corpus(f, format="text")) == [["hello", "world"], ["foo", "bar", "baz"], ["the", "end"]]


def test_text_reader_without_lowercase_keeps_case(tmp_path):
    f = write(tmp_path / "c.txt", "Hello World\n\nFoo BAR\n")
    assert list(Corpus(f, format="text", lowercase=False)) == [["Hello", "World"], ["Foo", "BAR"]]


def test_text_reader_handles_crlf_and_no_final_newline(tmp_path):
    f = write(tmp_path / "c.txt", "a b\r\n\r\nc d")
    assert list(Corpus(f, format="text")) == [["a", "b"], ["c", "d"]]


def test_text_reader_keeps_unicode(tmp_path):
    f = write(tmp_path / "c.txt", "Ünïcödé Straße\n")
    assert list(Corpus(f, format="text")) == [["ünïcödé", "straße"]]


def test_text_format_keeps_the_sst_header_and_indices_as_words(tmp_path):
    f = write(tmp_path / "c.txt", f"{SST_HEADER}\n1\tHello there\n")
    assert list(Corpus(f, format="text")) == [["sentence_index", "sentence"], ["1", "hello", "there"]]


# --- SST --------------------------------------------------------------------------------------------------------


def test_sst_reader_skips_header_drops_index_and_splits_at_tab(tmp_path):
    f = write(tmp_path / "s.txt", f"{SST_HEADER}\n1\tThe Rock is destined\n2\tA\tsecond  one\n10\tLast .\n")
    assert list(Corpus(f, format="sst")) == [
        ["the", "rock", "is", "destined"],
        ["a", "second", "one"],
        ["last", "."],
    ]


def test_sst_reader_lowercase_off(tmp_path):
    f = write(tmp_path / "s.txt", f"{SST_HEADER}\n1\tThe Rock\n")
    assert list(Corpus(f, format="sst", lowercase=False)) == [["The", "Rock"]]


def test_sst_reader_without_header_reads_every_line(tmp_path):
    f = write(tmp_path / "s.txt", "7\tone two\n8\tthree\n")
    assert list(Corpus(f, format="sst")) == [["one", "two"], ["three"]]


def test_sst_reader_line_without_tab_is_an_error_naming_file_and_line(tmp_path):
    f = write(tmp_path / "s.txt", f"{SST_HEADER}\n1\tfine\n2 no tab here\n")
    with pytest.raises(W2VError) as err:
        list(Corpus(f, format="sst"))
    assert f"{f}:3:" in str(err.value)
    assert "TAB" in str(err.value)


def test_sst_reader_empty_sentence_is_skipped(tmp_path):
    f = write(tmp_path / "s.txt", f"{SST_HEADER}\n1\t\n2\tword\n")
    assert list(Corpus(f, format="sst")) == [["word"]]


def test_sst_reader_skips_blank_lines(tmp_path):
    f = write(tmp_path / "s.txt", f"{SST_HEADER}\n1\tone\n\n2\ttwo\n\n")
    assert list(Corpus(f, format="sst")) == [["one"], ["two"]]


# --- auto -------------------------------------------------------------------------------------------------------


def test_auto_recognises_the_sst_header(tmp_path):
    f = write(tmp_path / "s.txt", f"{SST_HEADER}\n1\tThe Rock\n2\tis here\n")
    assert list(Corpus(f)) == [["the", "rock"], ["is", "here"]]
    assert list(Corpus(f, format="auto")) == list(Corpus(f, format="sst"))


def test_auto_recognises_the_sst_header_with_crlf(tmp_path):
    f = write(tmp_path / "s.txt", f"{SST_HEADER}\r\n1\tThe Rock\r\n")
    assert list(Corpus(f, format="auto")) == [["the", "rock"]]


def test_auto_treats_other_files_as_text(tmp_path):
    f = write(tmp_path / "t.txt", "1\tThe Rock\nsentence_index sentence\n")
    assert list(Corpus(f, format="auto")) == [["1", "the", "rock"], ["sentence_index", "sentence"]]


def test_auto_header_only_on_first_line_counts(tmp_path):
    f = write(tmp_path / "t.txt", f"hello\n{SST_HEADER}\n")
    assert list(Corpus(f, format="auto")) == [["hello"], ["sentence_index", "sentence"]]


def test_unknown_format_is_an_error(tmp_path):
    f = write(tmp_path / "t.txt", "a\n")
    with pytest.raises(W2VError, match="format"):
        Corpus(f, format="csv")


# --- folders ----------------------------------------------------------------------------------------------------


def test_folder_reads_txt_files_in_name_order_and_ignores_others(tmp_path):
    write(tmp_path / "b.txt", "second file\n")
    write(tmp_path / "a.txt", "first file\n\nstill first\n")
    write(tmp_path / "c.md", "not read\n")
    write(tmp_path / "d.txt.bak", "not read either\n")
    (tmp_path / "e.txt").mkdir()  # a folder named like a text file is not a file
    write(tmp_path / "e.txt" / "inner.txt", "nested is not read\n")
    write(tmp_path / "z.txt", "Last\n")
    corpus = Corpus(tmp_path)
    assert [p.name for p in corpus.files] == ["a.txt", "b.txt", "z.txt"]
    assert list(corpus) == [["first", "file"], ["still", "first"], ["second", "file"], ["last"]]


def test_folder_detects_sst_per_file(tmp_path):
    write(tmp_path / "a.txt", f"{SST_HEADER}\n1\tsst line\n")
    write(tmp_path / "b.txt", "2\tplain line\n")
    assert list(Corpus(tmp_path, format="auto")) == [["sst", "line"], ["2", "plain", "line"]]


def test_empty_folder_is_an_error(tmp_path):
    with pytest.raises(W2VError) as err:
        Corpus(tmp_path)
    assert str(tmp_path) in str(err.value)
    assert ".txt" in str(err.value)


def test_folder_without_txt_files_is_an_error(tmp_path):
    write(tmp_path / "notes.md", "words\n")
    with pytest.raises(W2VError, match=r"no \.txt files"):
        Corpus(tmp_path)


def test_missing_path_is_an_error_naming_it(tmp_path):
    missing = tmp_path / "nope.txt"
    with pytest.raises(W2VError) as err:
        Corpus(missing)
    assert str(missing) in str(err.value)


def test_non_utf8_bytes_name_file_and_line(tmp_path):
    f = write(tmp_path / "bad.txt", b"good line\nanother good\ncaf\xe9 latin1\nmore\n")
    corpus = Corpus(f)
    with pytest.raises(W2VError) as err:
        list(corpus)
    message = str(err.value)
    assert f"{f}:3:" in message
    assert "UTF-8" in message


def test_non_utf8_in_a_folder_names_the_right_file(tmp_path):
    write(tmp_path / "a.txt", "fine\n")
    bad = write(tmp_path / "b.txt", b"\xff\xfe oops\n")
    with pytest.raises(W2VError) as err:
        list(Corpus(tmp_path))
    assert f"{bad}:1:" in str(err.value)


def test_non_utf8_sentences_before_the_bad_line_are_yielded(tmp_path):
    f = write(tmp_path / "bad.txt", b"one\ntwo\n\xff\n")
    seen = []
    with pytest.raises(W2VError):
        for sentence in Corpus(f):
            seen.append(sentence)
    assert seen == [["one"], ["two"]]


# --- re-iteration and resolve_corpus ----------------------------------------------------------------------------


def test_reiterating_gives_the_same_sentences(tmp_path):
    write(tmp_path / "a.txt", "x y z\n\nw\n")
    write(tmp_path / "b.txt", f"{SST_HEADER}\n1\tp q\n")
    corpus = Corpus(tmp_path)
    first = list(corpus)
    second = list(corpus)
    assert first == second == [["x", "y", "z"], ["w"], ["p", "q"]]
    # two interleaved iterators are independent
    it1, it2 = iter(corpus), iter(corpus)
    assert next(it1) == ["x", "y", "z"]
    assert next(it2) == ["x", "y", "z"]
    assert next(it1) == ["w"]


def test_resolve_corpus_existing_and_missing(tmp_path):
    f = write(tmp_path / "c.txt", "a\n")
    assert resolve_corpus(str(f)) == f
    assert resolve_corpus(str(tmp_path)) == tmp_path
    with pytest.raises(W2VError, match="does not exist"):
        resolve_corpus(str(tmp_path / "missing.txt"))


def test_resolve_corpus_none_is_the_bundled_corpus():
    from w2vcli.corpus import BUNDLED_CORPUS

    if not BUNDLED_CORPUS.exists():
        pytest.skip("bundled corpus not generated")
    assert resolve_corpus(None) == BUNDLED_CORPUS


# --- the real treebank ------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def real_sst():
    if not REAL_SST.exists():
        pytest.skip(f"{REAL_SST} is absent")
    return REAL_SST


def test_real_sst_counts(real_sst):
    sentences = list(Corpus(real_sst))
    assert len(sentences) == 11855
    assert sum(len(s) for s in sentences) == 227245
    assert len({w for s in sentences for w in s}) == 19538
    assert sentences[0][:4] == ["the", "rock", "is", "destined"]
    assert "sentence_index" not in sentences[0]
    # sst and auto read it identically
    assert list(Corpus(real_sst, format="sst")) == sentences


def test_real_sst_vocab(real_sst):
    vocab = Vocab.build(Corpus(real_sst), min_count=1)
    assert len(vocab) == 19538
    assert vocab.corpus_tokens == 227245
    assert vocab.corpus_types == 19538
    assert vocab.total == 227245


def test_real_sst_without_lowercase_has_more_types(real_sst):
    sentences = list(Corpus(real_sst, lowercase=False))
    assert len(sentences) == 11855
    assert sum(len(s) for s in sentences) == 227245
    assert len({w for s in sentences for w in s}) > 19538


def test_cut_long_cuts_any_sequence_into_max_len_pieces():
    assert cut_long(["a", "b", "c", "d", "e"], max_len=2) == [["a", "b"], ["c", "d"], ["e"]]
    assert cut_long([7, 8], max_len=2) == [[7, 8]]
    assert cut_long([], max_len=2) == []  # an empty sentence has no piece
    assert cut_long(range(3, 25), max_len=10) == [range(3, 13), range(13, 23), range(23, 25)]
    assert [len(p) for p in cut_long(["w"] * 25_001)] == [10_000, 10_000, 5_001]  # MAX_SENTENCE_TOKENS, as gensim


def test_a_long_line_without_newline_comes_in_pieces_with_every_token(tmp_path):
    """A 3 MB line with no newline is read in blocks: every token arrives, in order, in pieces of <= 10,000."""
    from w2vcli.corpus import MAX_SENTENCE_TOKENS

    words = [f"w{i % 977}" for i in range(600_000)]  # about 3 MB on one line
    path = tmp_path / "long.txt"
    path.write_text(" ".join(words), encoding="utf-8")
    sentences = list(Corpus(path, format="text"))
    assert [w for s in sentences for w in s] == words
    assert max(len(s) for s in sentences) <= MAX_SENTENCE_TOKENS
    assert len(sentences) >= 60


def test_block_boundaries_never_split_a_token(tmp_path):
    """With tiny blocks, every line still comes back whole or cut only at white space."""
    from w2vcli.corpus import _read_lines

    path = tmp_path / "t.txt"
    path.write_bytes("alpha béta gamma\ndelta epsilon\n".encode())
    pieces = list(_read_lines(path, block_size=4))
    tokens = [t for _, raw, _ in pieces for t in raw.decode("utf-8").split()]
    assert tokens == ["alpha", "béta", "gamma", "delta", "epsilon"]
    assert {n for n, _, _ in pieces} == {1, 2}


def test_read_blocks_hands_over_whole_lines_and_pieces_of_long_ones(tmp_path):
    """The blocks Corpus's lines and scan.py's chunks both come from: (first line's number, lines, continued)."""
    from w2vcli.corpus import _read_lines, read_blocks

    path = write(tmp_path / "t.txt", b"a b\nc\nd e f g")
    blocks = [(number, bytes(lines), continued) for number, lines, continued in read_blocks(path, block_size=4)]
    assert blocks == [(1, b"a b", False), (2, b"c", False), (3, b"d e f", False), (3, b"g", True)]
    write(path, b"one\ntwo three\n\nfour\nfive")
    assert [(n, bytes(b)) for n, b, _ in read_blocks(path, block_size=16)] == [(1, b"one\ntwo three\n"),
                                                                              (4, b"four"), (5, b"five")]
    assert list(_read_lines(path, block_size=16)) == [(1, b"one", False), (2, b"two three", False), (3, b"", False),
                                                      (4, b"four", False), (5, b"five", False)]


def test_line_words_takes_corpus_steps_for_one_line():
    from w2vcli.corpus import line_words

    file = Path("c.txt")
    assert line_words(file, 1, "\ufeffThe  Cat\r".encode(), False, is_sst=False, lowercase=True) == ["the", "cat"]
    assert line_words(file, 2, "\ufeffThe Cat".encode(), False, is_sst=False, lowercase=False) == ["\ufeffThe", "Cat"]
    assert line_words(file, 1, SST_HEADER.encode(), False, is_sst=True, lowercase=True) == []
    assert line_words(file, 3, b"12\tA b\tc", False, is_sst=True, lowercase=True) == ["a", "b", "c"]
    assert line_words(file, 3, b"no tab", True, is_sst=True, lowercase=True) == ["no", "tab"]  # a later piece
    with pytest.raises(W2VError, match=r"^c\.txt:3: an SST line needs"):
        line_words(file, 3, b"no tab", False, is_sst=True, lowercase=True)
    with pytest.raises(W2VError, match=r"^c\.txt:4: bytes that are not UTF-8 \(at byte 2 "):
        line_words(file, 4, b"ab\xff", False, is_sst=False, lowercase=True)


def test_binary_corpus_is_an_error_naming_the_file(tmp_path):
    path = tmp_path / "blob.txt"
    path.write_bytes(b"abc\x00\x01\x02 def\n")
    with pytest.raises(W2VError, match=r"blob\.txt:1: a NUL byte"):
        list(Corpus(path))


def test_a_huge_run_without_white_space_is_an_error(tmp_path):
    from w2vcli.corpus import _read_lines

    path = tmp_path / "one-token.txt"
    path.write_bytes(b"x" * 200)
    with pytest.raises(W2VError, match="without white space"):
        list(_read_lines(path, block_size=8))
