"""The Open311 GeoReport v2 endpoints in the OpenAPI schema (/api/docs/).

They are plain Django views (api/open311.py) with their own api_key and error shape, so drf-spectacular does
not see them; this post-processing hook adds their JSON forms by hand (each answers .xml too)."""

PREFIX = "/open311/v2"
TAG = "Open311 GeoReport v2"


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _array(name: str) -> dict:
    return {"type": "array", "items": _ref(name)}


def _json(schema: dict, description: str) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _text(nullable: bool = False, **extra) -> dict:
    return {"type": "string", "nullable": nullable, **extra} if nullable else {"type": "string", **extra}


ERRORS = _json(_array("Open311Error"), "Open311 errors: code, description, and the field concerned")

SCHEMAS = {
    "Open311Error": {
        "type": "object",
        "properties": {"code": {"type": "integer"}, "description": _text(), "field": _text()},
        "required": ["code", "description"],
    },
    "Open311Discovery": {
        "type": "object",
        "properties": {
            "changeset": _text(format="date-time"),
            "contact": _text(),
            "key_service": _text(),
            "endpoints": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "specification": _text(),
                        "url": _text(),
                        "changeset": _text(format="date-time"),
                        "type": {"type": "string", "enum": ["production", "test"]},
                        "formats": {"type": "array", "items": _text()},
                    },
                    "required": ["specification", "url", "changeset", "type", "formats"],
                },
            },
        },
        "required": ["changeset", "contact", "key_service", "endpoints"],
    },
    "Open311Service": {
        "type": "object",
        "properties": {
            "service_code": _text(),
            "service_name": _text(),
            "description": _text(),
            "metadata": {"type": "boolean"},
            "type": {"type": "string", "enum": ["realtime", "batch", "blackbox"]},
            "keywords": _text(),
            "group": _text(),
        },
        "required": ["service_code", "service_name", "metadata", "type"],
    },
    "Open311ServiceDefinition": {
        "type": "object",
        "properties": {"service_code": _text(), "attributes": {"type": "array", "items": {"type": "object"}}},
        "required": ["service_code", "attributes"],
    },
    "Open311Request": {
        "type": "object",
        "properties": {
            "service_request_id": _text(),
            "status": {"type": "string", "enum": ["open", "closed"]},
            "status_notes": _text(True),
            "service_name": _text(True),
            "service_code": _text(True),
            "description": _text(True),
            "agency_responsible": _text(True),
            "service_notice": _text(True),
            "requested_datetime": _text(True, format="date-time"),
            "updated_datetime": _text(True, format="date-time"),
            "expected_datetime": _text(True, format="date-time"),
            "address": _text(True),
            "address_id": _text(True),
            "zipcode": _text(True),
            "lat": {"type": "number", "nullable": True},
            "long": {"type": "number", "nullable": True},
            "media_url": _text(True),
        },
        "required": ["service_request_id", "status", "service_code", "requested_datetime"],
    },
    "Open311PostedRequest": {
        "type": "object",
        "properties": {
            "service_request_id": _text(),
            "service_notice": _text(True),
            "account_id": _text(True),
        },
        "required": ["service_request_id"],
    },
}


def _query(name: str, description: str, **schema) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description, "schema": schema or _text()}


def _path_param(name: str, pattern: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "pattern": pattern}}


API_KEY = _query("api_key", "a service account's token: the description of cases that account may see")


def _get(summary: str, ok: dict, *, parameters=(), errors=("400",)) -> dict:
    responses = {"200": ok, **dict.fromkeys(errors, ERRORS)}
    return {
        "get": {
            "operationId": summary,
            "tags": [TAG],
            "summary": summary,
            "parameters": list(parameters),
            "responses": responses,
            "security": [{}],
        }
    }


POST_FIELDS = {
    "api_key": _text(),
    "service_code": _text(),
    "description": _text(),
    "address_id": _text(),
    "lat": _text(),
    "long": _text(),
    "address_string": _text(),
    "first_name": _text(),
    "last_name": _text(),
    "phone": _text(),
    "attribute[estate]": _text(),
    "attribute[neighbourhood]": _text(),
    "attribute[request_type]": _text(),
    "attribute[external_id]": _text(),
}


def _paths() -> dict:
    requests_get = _get(
        "open311_requests_list",
        _json(_array("Open311Request"), "requests received in the window, newest first"),
        parameters=[
            _query("service_request_id", "comma-separated references; overrides every other parameter"),
            _query("service_code", "comma-separated service codes"),
            _query("status", "open, closed or both"),
            _query("start_date", "W3C datetime; with end_date at most 90 days apart"),
            _query("end_date", "W3C datetime; without dates: the last 90 days"),
            _query("page", "pagination extension: page number from 1", type="integer", minimum=1),
            _query("page_size", "pagination extension: at most 1000 (the default)", type="integer", minimum=1),
            API_KEY,
        ],
        errors=("400", "403"),
    )
    requests_get["post"] = {
        "operationId": "open311_requests_create",
        "tags": [TAG],
        "summary": "open311_requests_create",
        "description": "A new service request, as a case with channel 外部系统. Needs api_key. The place: address_id "
        "(a building id), else the nearest building to lat/long, else attribute[estate] or attribute[neighbourhood].",
        "requestBody": {
            "content": {
                "application/x-www-form-urlencoded": {
                    "schema": {"type": "object", "properties": POST_FIELDS, "required": ["api_key", "service_code"]}
                }
            }
        },
        "responses": {
            "201": _json(_array("Open311PostedRequest"), "created"),
            "200": _json(_array("Open311PostedRequest"), "the same attribute[external_id] again: the case it made"),
            "400": ERRORS,
            "403": ERRORS,
            "409": ERRORS,
        },
        "security": [{}],
    }
    return {
        f"{PREFIX}/discovery.json": _get(
            "open311_discovery", _json(_ref("Open311Discovery"), "service discovery"), errors=()
        ),
        f"{PREFIX}/services.json": _get(
            "open311_services", _json(_array("Open311Service"), "every leaf category"), errors=()
        ),
        f"{PREFIX}/services/{{service_code}}.json": _get(
            "open311_service_definition",
            _json(_ref("Open311ServiceDefinition"), "the service's definition"),
            parameters=[_path_param("service_code", r"^[0-9]{1,9}$")],
            errors=("404",),
        ),
        f"{PREFIX}/requests.json": requests_get,
        f"{PREFIX}/requests/{{service_request_id}}.json": _get(
            "open311_request",
            _json(_array("Open311Request"), "one request"),
            parameters=[_path_param("service_request_id", r"^[A-Za-z0-9-]{1,20}$"), API_KEY],
            errors=("403", "404"),
        ),
    }


def add_open311_paths(result, generator, request, public):
    """drf-spectacular post-processing hook: the Open311 operations and their schemas."""
    result.setdefault("paths", {}).update(_paths())
    result.setdefault("components", {}).setdefault("schemas", {}).update(SCHEMAS)
    return result
