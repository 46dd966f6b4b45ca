import pandas as pd
import pytest

from smotified_gan.core.data.tables import DataValidationError, build_labelled_table, data_card

SPEC = {"label_column": "Class", "minority": {"labels": ["positive"]}, "categorical": ["colour"],
        "expected": {"rows": 8, "features": 2, "minority_rows": 6}, "min_minority_rows": 6}


def frame(**overrides):
    data = {"x": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], "colour": list("rgbrgbrg"),
            "Class": ["positive"] * 6 + ["negative"] * 2}
    data.update(overrides)
    return pd.DataFrame(data)


def test_builds_label_target_and_types():
    table = build_labelled_table(frame(), SPEC, "toy")
    assert list(table.columns) == ["x", "colour", "label", "target"]
    assert table["target"].tolist() == [1] * 6 + [0] * 2
    assert table["x"].dtype == "float64" and table["colour"].tolist()[:3] == ["r", "g", "b"]
    card = data_card("toy", "src", table, sha256="abc")
    assert (card["rows"], card["features"], card["minority_rows"], card["minority_pct"]) == (8, 2, 6, 75.0)


def test_integer_columns_stay_integers_and_numeric_text_becomes_numbers():
    spec = {**SPEC, "expected": {}}
    table = build_labelled_table(frame(age=[30, 41, 52, 63, 24, 35, 46, 57], visits=list("12345678")), spec, "toy")
    assert table["age"].dtype == "int64" and table["visits"].dtype == "int64" and table["x"].dtype == "float64"
    assert table["visits"].tolist() == [1, 2, 3, 4, 5, 6, 7, 8]


def test_a_wide_table_is_built_in_one_piece_without_pandas_fragmentation_warnings():
    """KEEL's wide tables (spectf 44 columns, kddcup and sylva more): pandas warned of a fragmented frame at every
    one of them (a column inserted at a time), 116 lines in the first minutes of the 95-table grid's log."""
    import warnings

    wide = pd.DataFrame({f"c{i}": [float(i + r) for r in range(8)] for i in range(150)})
    wide["Class"] = ["positive"] * 6 + ["negative"] * 2
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.PerformanceWarning)
        table = build_labelled_table(wide, {**SPEC, "categorical": [], "expected": {}}, "wide")
    assert list(table.columns) == [f"c{i}" for i in range(150)] + ["label", "target"]
    assert table["c149"].tolist() == [149.0 + r for r in range(8)]


def test_max_rule_for_numeric_labels():
    spec = {**SPEC, "minority": {"max": 7}, "expected": {}, "min_minority_rows": 1}
    table = build_labelled_table(frame(Class=[3, 7, 8, 9, 10, 11, 12, 13]), spec, "rings")
    assert table["target"].tolist() == [1, 1, 0, 0, 0, 0, 0, 0]


def test_missing_target_column_names_dataset_and_column():
    with pytest.raises(DataValidationError, match=r"dataset 'toy' \(f\.csv\): target column 'Class' not found"):
        build_labelled_table(frame().drop(columns="Class"), SPEC, "toy", origin="f.csv")


def test_non_numeric_junk_names_column_and_row():
    with pytest.raises(ValueError, match=r"column 'x' must be numeric but row 3 holds 'oops'"):
        build_labelled_table(frame(x=[0.1, 0.2, 0.3, "oops", 0.5, 0.6, 0.7, 0.8]), SPEC, "toy")


def test_nan_is_refused_with_its_count():
    with pytest.raises(DataValidationError, match=r"column 'x' has 2 missing value\(s\) \(first at row 1\)"):
        build_labelled_table(frame(x=[0.1, None, 0.3, None, 0.5, 0.6, 0.7, 0.8]), SPEC, "toy")


def test_one_class_is_refused():
    with pytest.raises(DataValidationError, match="only one class"):
        build_labelled_table(frame(Class=["negative"] * 8), SPEC, "toy")


def test_too_few_minority_rows_for_smote():
    spec = {**SPEC, "expected": {}}
    with pytest.raises(DataValidationError, match="5 minority rows, fewer than the 6 SMOTE needs"):
        build_labelled_table(frame(Class=["positive"] * 5 + ["negative"] * 3), spec, "toy")


def test_structure_check_reports_every_difference():
    spec = {**SPEC, "expected": {"rows": 9, "features": 2, "minority_rows": 7}}
    with pytest.raises(DataValidationError, match="rows: expected 9, found 8, minority_rows: expected 7, found 6"):
        build_labelled_table(frame(), spec, "toy")


def test_unknown_categorical_column():
    with pytest.raises(DataValidationError, match=r"categorical column\(s\) \['shape'\] not found"):
        build_labelled_table(frame(), {**SPEC, "categorical": ["shape"]}, "toy")


THREE_LABELS = ["positive"] * 6 + ["negative", "maybe"]


def test_a_third_label_is_an_error_naming_it_and_its_count_unless_said_to_be_majority(caplog):
    spec = {**SPEC, "expected": {}}
    with pytest.raises(DataValidationError, match=r"dataset 'toy': label\(s\) outside the minority rule \['positive'\] "
                                                  r"and not said to be majority: 'maybe' \(1 rows\), 'negative' \(1 rows\)"
                                                  r".*majority: \{labels: \[...\]\}.*other: majority"):
        build_labelled_table(frame(Class=THREE_LABELS), spec, "toy")
    listed = build_labelled_table(frame(Class=THREE_LABELS), {**spec, "majority": {"labels": ["negative", "maybe"]}},
                                  "toy")
    assert listed["target"].tolist() == [1] * 6 + [0, 0]
    with pytest.raises(DataValidationError, match=r"not said to be majority: 'maybe' \(1 rows\)\."):
        build_labelled_table(frame(Class=THREE_LABELS), {**spec, "majority": {"labels": ["negative"]}}, "toy")
    with caplog.at_level("INFO"):
        other = build_labelled_table(frame(Class=THREE_LABELS), {**spec, "other": "majority"}, "toy")
    assert other["target"].tolist() == [1] * 6 + [0, 0]
    assert "labels taken as majority (other: majority): 'maybe' (1 rows), 'negative' (1 rows)" in caplog.text
    # a binary table needs neither: its one other label is the majority
    assert build_labelled_table(frame(), spec, "toy")["target"].sum() == 6
