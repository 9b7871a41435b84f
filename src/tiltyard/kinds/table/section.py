"""A table bundle's own ``[table]`` section of the manifest: what its checks need to know of it
that the common fields do not say."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class TableSection(BaseModel):
    model_config = ConfigDict(extra="forbid")

    public_noise: float | None = Field(default=None, ge=0)
    """The expected noise of a public score: the bootstrap standard deviation of the best
    baseline's score over the public rows. Two submissions closer than this on the public
    board are not told apart by it."""
    duplicates_across_splits: str | None = None
    """Why rows of train.csv also appear in test.csv, when they do on purpose (a dataset with
    coded attributes repeats them); None: the checker refuses any."""
    corrupted: bool = False
    """The public files were made messy on purpose: a sealed clean copy, a sealed corruption
    log and the recipe are in ``sealed/`` (``tiltyard check`` replays it)."""
