"""The HTTP API under /api/v1: one router per resource."""

from fastapi import APIRouter

from tiltyard.server.api import auth, challenges, classes, competitions, submissions, users

router = APIRouter(prefix="/api/v1")
for module in (auth, users, challenges, submissions, classes, competitions):
    router.include_router(module.router)
