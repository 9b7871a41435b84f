"""/docs and /redoc load every file from the arena itself, so they work without internet."""

from __future__ import annotations

import re

import pytest


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_api_docs_reference_no_external_host_and_their_assets_are_served(client, page):
    response = client.get(page)
    assert response.status_code == 200
    html = response.text
    assert "/api/v1/openapi.json" in html
    # Every URL in the page: src/href attributes and quoted URLs inside its inline script.
    urls = set(re.findall(r"""(?:src|href)=["']([^"']+)""", html)) | \
        set(re.findall(r"""["'](https?:)?//[^"']+""", html))
    external = {u for u in urls if u.startswith(("http:", "https:", "//"))}
    assert not external, external
    assets = {u for u in urls if u.startswith("/static/")}
    assert any(u.endswith(".js") for u in assets), assets
    for url in assets:
        served = client.get(url)
        assert served.status_code == 200, url
        assert len(served.content) > 1000, url
    if page == "/docs":
        assert "validatorUrl" in html  # no badge fetched from validator.swagger.io
