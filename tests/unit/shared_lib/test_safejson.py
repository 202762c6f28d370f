import pytest

from shared_lib.safejson import JsonRefused, loads


def test_ordinary_json_parses():
    assert loads(b'{"a": [1, 2.5, "x", null, true]}') == {"a": [1, 2.5, "x", None, True]}


@pytest.mark.parametrize(
    "raw, why",
    [
        ("[" * 100_000 + "]" * 100_000, "nested deeper"),
        ("[" * 40 + "]" * 40, "nested deeper"),
        ("1" * 5_000, "longer than"),
        ("1." + "1" * 5_000, "longer than"),
        ("[" + "9" * 41 + "]", "longer than"),  # deep in a body, and just past the limit
        ('{"a": {"b": -' + "9" * 40 + "}}", "longer than"),
        ('{"a": NaN}', "NaN"),
        (b"\xff\xfe", "UTF-8"),
        ("{bad", "Expecting"),
    ],
)
def test_hostile_json_is_refused_with_a_reason(raw, why):
    with pytest.raises(JsonRefused, match=why):
        loads(raw)


def test_depth_limit_is_exact():
    assert loads("[" * 32 + "]" * 32, max_depth=32)
    with pytest.raises(JsonRefused):
        loads("[" * 33 + "]" * 33, max_depth=32)


def test_the_number_limit_counts_characters_with_the_sign():
    assert loads("9" * 40) == int("9" * 40) and loads("-" + "9" * 39) == -int("9" * 39)
    assert loads('[true, false, 1.5, "x"]') == [True, False, 1.5, "x"]
