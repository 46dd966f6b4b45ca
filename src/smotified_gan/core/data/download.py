"""Checked downloads: fetch a file once, verify its sha256, cache it, never leave half a file."""

from __future__ import annotations

import hashlib
import io
import logging
import os
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

logger = logging.getLogger(__name__)


class DownloadError(RuntimeError):
    """The source could not be reached or did not return the file."""


class ChecksumError(ValueError):
    """A file's bytes do not match the sha256 pinned for it."""


def sha256_of(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def decompress_z(data: bytes, name: str = "<bytes>") -> bytes:
    """The content of a Unix ``compress`` (``.Z``) file (``unlzw3``): UCI still ships some of the paper's files
    (Shuttle's training split, Connect-4) so, a format the standard library cannot read. A ``ValueError`` names
    ``name`` when the data is not a valid ``.Z`` stream."""
    import unlzw3

    if data[:2] != b"\x1f\x9d":
        raise ValueError(f"{name}: not a Unix compress (.Z) file (magic {data[:2]!r})")
    try:
        return unlzw3.unlzw(data)
    except (ValueError, IndexError) as error:
        raise ValueError(f"{name}: corrupt .Z data ({error})") from error


def extract_member(payload: bytes, member: str | None, url: str) -> bytes:
    """Return ``member`` from a zip archive (or the payload itself), un-``compress``-ing ``.Z`` files."""
    if member is not None:
        try:
            with zipfile.ZipFile(io.BytesIO(payload)) as archive:
                payload = archive.read(member)
        except zipfile.BadZipFile as exc:
            raise DownloadError(f"{url} is not a zip archive ({exc})") from exc
        except KeyError as exc:
            raise DownloadError(f"{url} has no member '{member}'") from exc
    if (member or url).endswith(".Z"):
        payload = decompress_z(payload, name=member or url)
    return payload


def fetch_file(url: str, destination: Path, sha256: str | None = None, member: str | None = None,
               timeout: float = 60.0) -> bytes:
    """Download ``url`` (or ``member`` of the zip at ``url``) to ``destination``.

    The bytes are checked against ``sha256`` when one is pinned, then written
    atomically: a failed download or a checksum mismatch leaves no file behind
    and an existing file untouched. Returns the file's bytes.
    """
    logger.info("Downloading %s%s", url, f" (member {member})" if member else "")
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310 - URLs come from the catalog
            payload = response.read()
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise DownloadError(f"could not download {url}: {getattr(exc, 'reason', exc)}") from exc
    content = extract_member(payload, member, url)
    observed = sha256_of(content)
    if sha256 is not None and observed != sha256:
        raise ChecksumError(
            f"{destination.name} from {url} has sha256 {observed}, expected {sha256}: "
            "the download is corrupt or the source changed; nothing was written"
        )
    write_atomically(destination, content)
    return content


def write_atomically(destination: Path, content: bytes) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(dir=destination.parent, prefix=f".{destination.name}.", suffix=".part")
    try:
        with os.fdopen(handle, "wb") as tmp:
            tmp.write(content)
        os.replace(tmp_name, destination)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
