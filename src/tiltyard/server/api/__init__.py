"""The HTTP API under /api/v1: one router per resource."""

from fastapi import APIRouter

from tiltyard.server.api import admin, auth, challenges, classes, competitions, submissions, users

router = APIRouter(prefix="/api/v1")
for module in (auth, users, challenges, submissions, classes, competitions, admin):
    router.include_router(module.router)
