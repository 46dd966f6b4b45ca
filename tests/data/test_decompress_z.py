import random

import pytest

from smotified_gan.core.data.download import decompress_z
from tests.conftest import SHARED_DATASETS, compress_z


def _corpus(size: int, seed: int = 0) -> bytes:
    rng = random.Random(seed)
    words = [bytes(rng.choice(b"abcdefghij0123456789 ,.\n") for _ in range(rng.randint(1, 12))) for _ in range(5000)]
    out = bytearray()
    while len(out) < size:
        out += rng.choice(words)
    return bytes(out[:size])


@pytest.mark.parametrize("size", [0, 1, 100, 70_000, 1_500_000])
def test_round_trip_through_the_real_compress_tool(size):
    # 1.5 MB of varied text fills the 16-bit table, so the stream holds every
    # width change and CLEAR codes.
    content = _corpus(size)
    assert decompress_z(compress_z(content)) == content


def test_shuttle_training_file_round_trip():
    path = SHARED_DATASETS / "shuttle.trn"
    if not path.is_file():
        pytest.skip("shared shuttle.trn not present")
    content = path.read_bytes()
    assert decompress_z(compress_z(content), "shuttle.trn.Z") == content


def test_bad_magic_names_the_file():
    with pytest.raises(ValueError, match=r"x\.Z: not a Unix compress"):
        decompress_z(b"PK\x03\x04", "x.Z")


def test_corrupt_stream_is_reported():
    data = bytearray(compress_z(_corpus(5000)))
    data[3:40] = b"\xff" * 37
    with pytest.raises(ValueError, match="corrupt .Z data"):
        decompress_z(bytes(data), "bad.Z")


def test_round_trip_across_clear_codes():
    # Text, then 400 kB of random bytes: once the table is full the ratio drops
    # and compress emits CLEAR codes (5 in this stream), which reset the table.
    rng = random.Random(1)
    content = _corpus(600_000) + bytes(rng.getrandbits(8) for _ in range(400_000)) + _corpus(300_000, seed=2)
    assert decompress_z(compress_z(content)) == content
