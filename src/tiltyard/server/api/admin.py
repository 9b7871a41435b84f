"""The admin's actions: regrade every stored submission of a challenge on its new version."""

from __future__ import annotations

from fastapi import APIRouter

from tiltyard.regrade import RegradeResult
from tiltyard.server.deps import AdminUser
from tiltyard.server.regrading import regrade_arena
from tiltyard.server.schemas import RegradeCreate

router = APIRouter(prefix="/admin", tags=["admin"])


@router.post("/regrade", response_model=RegradeResult)
def regrade(body: RegradeCreate, _admin: AdminUser):
    """Grade every stored submission of `challenge_id` again on `to` (default: its newest
    version), keeping each old grade beside the new one with the bundle hash it came from."""
    return regrade_arena(body.challenge_id, to=body.to)
