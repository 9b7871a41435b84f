"""schemathesis over the OpenAPI spec, signed in as the admin (who may call everything):
no generated input may make the server answer 5xx. (Operations are driven one by one with
Hypothesis, as schemathesis' pytest plugin does not load under pytest 9.)"""

from __future__ import annotations

import pytest
import schemathesis
from arena_helpers import login
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings


@pytest.mark.slow
def test_no_generated_request_gets_a_server_error(app):
    with TestClient(app) as client:
        headers = {"Authorization": f"Bearer {login(client, 'admin', 'admin-password').token}"}
        schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", app)
        failures, statuses = [], []
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 25
        for operation in operations:
            @given(case=operation.as_strategy())
            @settings(max_examples=10, deadline=None, database=None,
                      suppress_health_check=list(HealthCheck))
            def exercise(case):
                response = case.call(headers=headers)
                statuses.append(response.status_code)
                if response.status_code >= 500:
                    failures.append(f"{case.method} {case.formatted_path} -> "
                                    f"{response.status_code}: {response.text[:300]}")

            exercise()
    assert not failures, "\n".join(failures[:20])
    assert len(statuses) > 5 * len(operations) and any(200 <= s < 300 for s in statuses)
