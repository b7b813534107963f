"""Exception handling shared by the domain APIs.

`describe_exception` turns any exception an API may meet into one `ApiError` (status,
message, field errors); each domain renders that in its origin's documented error body
with `exception_handler_for(render)`. Anything not recognised is left to propagate, so
real bugs are not hidden behind a generic answer.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import (
    RequestDataTooBig,
    TooManyFieldsSent,
    TooManyFilesSent,
)
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import set_rollback

from orders.api.parsers import body_too_big_message
from orders.inputs import InputError, InputErrors, flatten_errors
from orders.lifecycle import TransitionRefused

NON_FIELD = api_settings.NON_FIELD_ERRORS_KEY  # "non_field_errors"


@dataclass
class ApiError:
    status: int
    message: str
    field_errors: dict[str, list[str]] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def non_field_errors(self) -> list[str]:
        return self.field_errors.get(NON_FIELD, [])

    @property
    def fields_only(self) -> dict[str, list[str]]:
        return {k: v for k, v in self.field_errors.items() if k != NON_FIELD}


def summarize(field_errors: dict[str, list[str]]) -> str:
    parts = []
    for name, messages in field_errors.items():
        text = " ".join(messages)
        parts.append(text if name == NON_FIELD else f"{name}: {text}")
    return "; ".join(parts) or "Invalid input."


def describe_exception(exc: Exception) -> ApiError | None:
    if isinstance(exc, TransitionRefused):
        return ApiError(status.HTTP_409_CONFLICT, str(exc))
    # Django's limits on a body (settings DATA_UPLOAD_*), met by the parsers: without this
    # they would be Django's HTML 400 page.
    if isinstance(exc, RequestDataTooBig):
        return ApiError(status.HTTP_413_REQUEST_ENTITY_TOO_LARGE, body_too_big_message())
    if isinstance(exc, TooManyFieldsSent):
        return ApiError(status.HTTP_400_BAD_REQUEST,
                        f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FIELDS:,} "
                        "fields (query parameters and form fields).")
    if isinstance(exc, TooManyFilesSent):
        return ApiError(status.HTTP_400_BAD_REQUEST,
                        f"The request has more than {settings.DATA_UPLOAD_MAX_NUMBER_FILES:,} "
                        "files.")
    if isinstance(exc, Http404):
        # As DRF does: get_object_or_404's message names the model class; raise DRF's
        # NotFound with a message to tell a client more.
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, InputErrors):
        exc = exceptions.ValidationError(exc.detail)
    elif isinstance(exc, InputError):
        exc = exceptions.ValidationError({exc.field or NON_FIELD: [exc.message]})
    elif isinstance(exc, DjangoValidationError):
        detail = exc.message_dict if hasattr(exc, "error_dict") else exc.messages
        exc = exceptions.ValidationError(detail)
    if not isinstance(exc, exceptions.APIException):
        return None

    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))

    if isinstance(exc, exceptions.ValidationError):
        field_errors = flatten_errors(exc.detail)
        return ApiError(exc.status_code, summarize(field_errors), field_errors, headers)
    return ApiError(exc.status_code, str(exc.detail), {}, headers)


def exception_handler_for(render: Callable[[ApiError], dict]):
    """A DRF exception handler that answers in the body `render(error)` builds."""

    def handler(exc, context):
        error = describe_exception(exc)
        if error is None:
            return None
        set_rollback()
        return Response(render(error), status=error.status, headers=error.headers)

    return handler


def render_default(error: ApiError) -> dict:
    body = {"detail": error.message}
    if error.fields_only:
        body["errors"] = error.fields_only
    return body


# The project-wide default (settings.REST_FRAMEWORK["EXCEPTION_HANDLER"]).
exception_handler = exception_handler_for(render_default)
