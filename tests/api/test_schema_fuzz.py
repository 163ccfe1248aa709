"""A property-based run of the whole OpenAPI schema (schemathesis) against the WSGI app, as a staff token.

Every operation gets bounded generated requests, valid and invalid; none may answer 5xx, and every
answer must match the schema (status code, content type, body, headers).
The same run from the command line is in the README ("API").
"""

import json

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from governance.wsgi import application
from tests.conftest import make_case

MAX_EXAMPLES = 15
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    response_headers_conformance,
]


def load_schema():
    """The schema exactly as /api/schema/ renders it, built in-process (collection has no database)."""
    document = SchemaGenerator().get_schema(request=None, public=True)
    loaded = schemathesis.openapi.from_dict(json.loads(OpenApiJsonRenderer().render(document)))
    loaded.app = application  # requests go to the WSGI app in this process, not over the network
    return loaded


schema = load_schema()


@pytest.fixture
def fuzz_world(db, settings, staff_account, case, method, other_estate, staff_user, noise_category):
    """A staff token, and a little of everything for the generated requests to find or miss."""
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost", "testserver"]
    make_case(staff_user, neighbourhood=other_estate.neighbourhood, category=noise_category, external_id="E-1")
    # As Django's test client does: the WSGI handler must not close the test's connection after each request.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield {"Authorization": f"Token {staff_account[1]}"}
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_no_operation_answers_a_server_error_or_breaks_the_schema(fuzz_world):
    # One test over every operation (not one per operation) so the world above is built once.
    failures, checked = [], 0
    for result in schema.get_all_operations():
        operation = result.ok()
        checked += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=MAX_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def run(case):
            case.call_and_validate(headers=fuzz_world, checks=CHECKS)

        try:
            run()
        except Exception as error:  # collect every operation's failure, then fail once with all of them
            failures.append(f"{operation.method.upper()} {operation.path}:\n{error}")
    assert checked >= 20, f"only {checked} operations in the schema"
    assert not failures, "\n\n".join(failures)
