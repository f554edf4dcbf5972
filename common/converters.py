"""`<id:…>` in URLs: a database id, bounded to what every backend's bigint column holds.

Django's `<int:…>` takes any number of digits; a 20-digit id then reaches the database, where SQLite
raises OverflowError (a 500) instead of finding nothing. Beyond the bound the URL simply does not
match: a 404, like any id that names nothing.
"""

from django.urls import register_converter

ID_MAX = 2**63 - 1  # BigAutoField; smaller integer columns just find nothing above their own range


class IdConverter:
    regex = "[0-9]{1,19}"

    def to_python(self, value: str) -> int:
        number = int(value)
        if number > ID_MAX:
            raise ValueError(value)  # the resolver's "no match"
        return number

    def to_url(self, value) -> str:
        return str(value)


def register() -> None:
    register_converter(IdConverter, "id")
