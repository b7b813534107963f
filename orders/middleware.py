"""A request that fails writes nothing.

Every unsafe request (POST, PUT, PATCH, DELETE) runs in one transaction per configured
database, rolled back when the response is an error (status 400 or more): a view that
wrote and then failed, with a refusal or with a bug, leaves no partial write. Django
turns an exception the view raised into its 500 response inside `get_response`, so this
sees that response, not the exception. The services' own `transaction.atomic()` blocks
become savepoints inside it; `on_commit` callbacks (webhook deliveries) run only once
the request's transaction commits.
"""

from contextlib import ExitStack

from django.db import connections, transaction

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class FailedRequestRollbackMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method not in UNSAFE_METHODS:
            return self.get_response(request)
        aliases = list(connections)
        with ExitStack() as stack:
            for alias in aliases:
                stack.enter_context(transaction.atomic(using=alias))
            response = self.get_response(request)
            if response.status_code >= 400:
                for alias in aliases:
                    transaction.set_rollback(True, using=alias)
        return response
