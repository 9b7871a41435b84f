"""Uploaded files: copied to a temporary file under the home folder, never more than the limit."""

from __future__ import annotations

import tempfile
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

from fastapi import UploadFile

from tiltyard.config import get_settings
from tiltyard.server.errors import InvalidInput, PayloadTooLarge

CHUNK = 1 << 20


def too_large(size: float) -> PayloadTooLarge:
    limit = get_settings().max_submission_bytes
    return PayloadTooLarge("The upload is larger than this server accepts",
                           expected=f"at most {limit / 2**20:.0f} MB", got=f"{size / 2**20:.1f} MB "
                           "or more", hint="Submit only the id and prediction columns (Parquet is "
                           "smaller), or ask the admin to raise TILTYARD_MAX_SUBMISSION_MB")


def upload_name(upload: UploadFile | None, field: str = "file") -> str:
    if upload is None or not upload.filename:
        raise InvalidInput("No file came with the form", expected=f"a file in the {field!r} "
                           "field", got="nothing", hint="Choose a predictions, code or designs file"
                           if field == "file" else f"Choose the {field} file")
    # Which suffixes fit is the challenge kind's to say (entries.check_kind_of_file).
    return Path(upload.filename).name


@asynccontextmanager
async def saved_upload(upload: UploadFile, field: str = "file") -> AsyncIterator[tuple[Path, str]]:
    """(temporary path, original file name); the temporary file is removed afterwards."""
    name = upload_name(upload, field)
    limit = get_settings().max_submission_bytes
    folder = get_settings().home / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    handle = tempfile.NamedTemporaryFile(dir=folder, suffix=Path(name).suffix.lower(),
                                         delete=False)
    path = Path(handle.name)
    try:
        written = 0
        with handle:
            while chunk := await upload.read(CHUNK):
                written += len(chunk)
                if written > limit:
                    raise too_large(written)
                handle.write(chunk)
        yield path, name
    finally:
        path.unlink(missing_ok=True)


@asynccontextmanager
async def saved_uploads(**uploads: UploadFile | None) -> AsyncIterator[list[Path]]:
    """Several uploads at once, by field (an author's folder: data, author_toml, story), each
    under the limit."""
    async with AsyncExitStack() as stack:
        yield [(await stack.enter_async_context(saved_upload(upload, field)))[0]
               for field, upload in uploads.items()]
