"""Helpers for arena tests: accounts, predictions files, grading in the test's own thread."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
from fastapi.testclient import TestClient

CHALLENGE = "titanic-v1"


def grade_all() -> int:
    from tiltyard.server.grading import grade_pending_now

    return grade_pending_now()


def predictions_csv(bundle, value: float | None = None, seed: int = 0) -> bytes:
    """A valid predictions file for the bundle's test ids (labels for a binary task)."""
    import numpy as np

    task = bundle.manifest.task
    test = pd.read_csv(bundle.public_file("test.csv"))
    rng = np.random.default_rng(seed)
    labels = task.classes or ["no", "yes"]
    predictions = rng.choice(labels, size=len(test)) if value is None else \
        [labels[int(value >= 0.5)]] * len(test)
    return pd.DataFrame({task.id_column: test[task.id_column],
                         task.target: predictions}).to_csv(index=False).encode()


@dataclass
class Account:
    username: str
    token: str
    id: int

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def sign_up(client: TestClient, username: str, password: str = "password-123") -> Account:
    response = client.post("/api/v1/auth/signup", json={"username": username, "password": password})
    assert response.status_code == 201, response.text
    return login(client, username, password)


def login(client: TestClient, username: str, password: str) -> Account:
    response = client.post("/api/v1/auth/tokens", json={"username": username, "password": password})
    assert response.status_code == 201, response.text
    body = response.json()
    return Account(username=username, token=body["token"], id=body["user"]["id"])


def make_instructor(client: TestClient, admin: Account, account: Account) -> None:
    response = client.patch(f"/api/v1/users/{account.id}", json={"role": "instructor"},
                            headers=admin.headers)
    assert response.status_code == 200, response.text
