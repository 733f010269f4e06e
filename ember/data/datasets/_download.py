"""Fetch a file over HTTP(S) with a SHA-256 check, writing it atomically (temp file + rename)."""

import hashlib
import http.client
import os
import tempfile
import urllib.error
import urllib.request

_CHUNK = 1 << 20


def download_file(name, filename, base_urls, folder, sha256=None, timeout=60.0):
    """Download ``filename`` from the first of ``base_urls`` that answers, into ``folder``.

    The bytes go to a temporary file in ``folder`` and are renamed into place only after their
    SHA-256 matches ``sha256`` (skipped when None), so a crash or a bad download never leaves a
    file that looks complete. ``name`` (the dataset) starts every error message.
    """
    os.makedirs(folder, exist_ok=True)
    target = os.path.join(folder, filename)
    failures = []
    for base in base_urls:
        url = base.rstrip("/") + "/" + filename
        try:
            digest = _fetch(url, target, sha256, timeout)
        except (urllib.error.URLError, http.client.HTTPException, OSError) as error:
            failures.append(f"  {url}: {error}")
            if isinstance(error, urllib.error.HTTPError):
                error.close()  # it holds the server's response open
            continue
        if sha256 is not None and digest != sha256.lower():
            raise RuntimeError(
                f"{name}: the SHA-256 of {filename} downloaded from {url} is {digest}, expected {sha256}; "
                "the file was not saved. The server sent a corrupt or different file: try again, or "
                "give another mirror with url=")
        return target
    raise RuntimeError(f"{name}: could not download {filename}:\n" + "\n".join(failures) +
                       f"\nCheck the network and the URL (url= chooses the server), or copy the file into "
                       f"{folder} by hand")


def _fetch(url, target, sha256, timeout):
    """Stream ``url`` to a temporary file; rename it to ``target`` if the checksum is right."""
    fd, partial = tempfile.mkstemp(dir=os.path.dirname(target), prefix=os.path.basename(target) + ".",
                                   suffix=".part")
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=timeout) as response:
            while chunk := response.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if sha256 is None or digest.hexdigest() == sha256.lower():
            os.replace(partial, target)
        return digest.hexdigest()
    finally:
        if os.path.exists(partial):
            os.remove(partial)
