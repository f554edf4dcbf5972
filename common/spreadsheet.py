"""Text bound for a spreadsheet: CSV files that clerks and officials open in Excel."""

# A cell starting with one of these runs as a formula in a spreadsheet (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_text(value: str) -> str:
    """`value` as a cell that a spreadsheet shows as text, never evaluates."""
    return f"'{value}" if value.startswith(_FORMULA_STARTS) else value
