"""OpenAPI post-processing: every operation documents the errors it can answer with."""

ERROR_SCHEMA = {
    "type": "object",
    "description": "Either {detail, code, …} or field errors {field: [messages]}.",
    "additionalProperties": True,
}
ERRORS = {
    "400": "Invalid input: a message per field.",
    "401": "Not logged in.",
    "403": "Your role may not do this.",
    "404": "Not found, or not yours to see.",
    "409": "Conflicts with the current state (e.g. an illegal transition; names the allowed ones).",
    "415": "The request body's media type is not accepted; send JSON.",
    "429": "Too many requests; retry after the Retry-After header.",
    "503": "A dependency (database) is unavailable; nothing was changed; retry.",
}


def add_error_responses(result, generator, request, public):
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for code, description in ERRORS.items():
                operation["responses"].setdefault(
                    code,
                    {"description": description, "content": {"application/json": {"schema": ERROR_SCHEMA}}},
                )
    return result
