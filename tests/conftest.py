"""Shared pytest set-up: assertion rewriting for the helper module the API tests import."""

import pytest

pytest.register_assert_rewrite("tests.api_support")
