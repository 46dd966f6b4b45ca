import pandas as pd
import pytest

from smotified_gan.core.data.readers import DataFormatError, parse_keel, parse_table

KEEL = """@relation tiny
@attribute A real [0.0, 1.0]
@attribute B integer [1, 9]
@attribute Class {positive, negative}
@inputs A, B
@outputs Class
@data
0.10, 1, negative
0.20, 2, positive
0.30, 3, negative
"""


def test_keel_keeps_the_first_data_row():
    frame = parse_keel(KEEL, "tiny.dat")
    assert len(frame) == 3
    assert frame.loc[0, "A"] == pytest.approx(0.10)
    assert list(frame["Class"]) == ["negative", "positive", "negative"]
    assert frame["B"].tolist() == [1, 2, 3]


def test_keel_malformed_row_names_file_and_line():
    bad = KEEL.replace("0.20, 2, positive", "0.20, positive")
    with pytest.raises(DataFormatError, match=r"tiny\.dat: line 9: expected 3 .* found 2"):
        parse_keel(bad, "tiny.dat")


def test_keel_non_numeric_junk_names_column():
    bad = KEEL.replace("0.30, 3", "0.30, three")
    with pytest.raises(DataFormatError, match=r"tiny\.dat: column 'B' must be numeric but row 2 holds 'three'"):
        parse_keel(bad, "tiny.dat")


def test_keel_without_data_section_is_rejected():
    with pytest.raises(DataFormatError, match="no @data line"):
        parse_keel(KEEL.split("@data")[0], "tiny.dat")


def test_csv_with_names_rejects_short_rows():
    content = b"1,2,3\n4,5\n"
    with pytest.raises(DataFormatError, match=r"f\.csv: line 2: expected 3 values, found 2"):
        parse_table(content, "f.csv", "csv", columns=["a", "b", "c"])


def test_whitespace_format_and_index_column_dropped():
    frame = parse_table(b"1 2 3\n4 5 6\n", "s.trn", "whitespace", columns=["a", "b", "c"])
    assert frame.to_numpy().tolist() == [[1, 2, 3], [4, 5, 6]]
    frame = parse_table(b",x,y\n0,1,2\n1,3,4\n", "c.csv", "csv")
    assert list(frame.columns) == ["x", "y"]


def test_binary_junk_is_reported():
    with pytest.raises(DataFormatError, match=r"z\.csv: not UTF-8"):
        parse_table(b"\x1f\x9d\x90\xff\xfe", "z.csv", "csv")


def test_unknown_format():
    with pytest.raises(DataFormatError, match="unknown file_format 'xls'"):
        parse_table(b"a", "f", "xls")
    assert isinstance(parse_table(b"a,b\n1,2\n", "f", "csv"), pd.DataFrame)
