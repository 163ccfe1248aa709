"""Domain refusals as JSON answers: a 4xx whose body names the field, never a 500."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response

from api.serializers import stale_event_data
from cases.services import CaseError, IllegalMove, NotPermitted, StaleEdit

NON_FIELD = "non_field_errors"


def validation_body(error: ValidationError) -> dict:
    """Django's model validation ({"field": [...], "__all__": [...]}) in DRF's shape."""
    if hasattr(error, "error_dict"):
        return {(NON_FIELD if name == "__all__" else name): messages for name, messages in error.message_dict.items()}
    return {NON_FIELD: error.messages}


def error_response(error: Exception, *, user=None, case=None) -> Response:
    """The answer to a refused write: 400 bad input, 403 not allowed, 409 wrong state or stale version."""
    if isinstance(error, StaleEdit):
        events = [stale_event_data(event, user=user, case=case) for event in error.events]
        current = max([event["case_version"] for event in events], default=case.version if case else 0)
        body = {"detail": error.message, "version": [error.message], "current_version": current, "changes": events}
        return Response(body, status=status.HTTP_409_CONFLICT)
    if isinstance(error, NotPermitted):
        body = {"detail": error.message}
        if error.field:
            body[error.field] = [error.message]
        return Response(body, status=status.HTTP_403_FORBIDDEN)
    if isinstance(error, IllegalMove):
        return Response({"detail": error.message, "action": [error.message]}, status=status.HTTP_409_CONFLICT)
    if isinstance(error, CaseError):
        return Response({error.field or NON_FIELD: [error.message]}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(error, ValidationError):
        return Response(validation_body(error), status=status.HTTP_400_BAD_REQUEST)
    if isinstance(error, IntegrityError):
        # Two clients sent the same external_id at the same moment; the unique index refused the second.
        message = _("该外部编号已被另一案件使用。")
        return Response({"detail": message, "external_id": [message]}, status=status.HTTP_409_CONFLICT)
    raise error
