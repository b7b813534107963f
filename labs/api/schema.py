"""The lab API's OpenAPI schema: what orders.api.schema says of every domain, plus what the
lab's query parameters accept."""

from orders.api.schema import DomainAutoSchema

# An ISO 8601 date or time as `updated_since` takes it (orders.inputs.parse_datetime_bounded),
# narrowed to values it never refuses: years 1901 to 9998 (the bounds, 1900-01-01 to
# 9999-12-30 UTC, are not crossed by any offset), days a month has (not February 29), an
# offset of at most 15:59.
YEAR = r"(190[1-9]|19[1-9][0-9]|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])"
DAY = r"((0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])|(0[13-9]|1[0-2])-(29|30)|(0[13578]|1[02])-31)"
TIME = (r"T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9](\.[0-9]{1,6})?)?"
        r"(Z|[+-](0[0-9]|1[0-5]):[0-5][0-9])?")
ISO_8601_PATTERN = rf"^{YEAR}-{DAY}({TIME})?$"


class LabAutoSchema(DomainAutoSchema):
    """Every query parameter of the lab API may be sent empty (`?status=`): it then counts
    as not given (labs.api.views.query_choice, orders.api.fields.query_int/query_datetime)."""

    def get_operation(self, *args, **kwargs):
        operation = super().get_operation(*args, **kwargs)
        for parameter in (operation or {}).get("parameters", []):
            if parameter["in"] == "query":
                parameter["allowEmptyValue"] = True
        return operation
