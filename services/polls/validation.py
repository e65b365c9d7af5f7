"""Checks for the poll fields that services.common.validation.Fields has no method for."""

from typing import Any

from services.common.validation import Fields, string_problem

MIN_OPTIONS = 2
MAX_OPTIONS = 4
MAX_OPTION_LENGTH = 100


def integer(
    fields: Fields, name: str, *, minimum: int, maximum: int, required: bool = True
) -> int | None:
    """Return a field that must be a JSON integer within [minimum, maximum].

    Booleans, floats such as 2.0 and strings of digits are rejected.
    """
    value = fields.data.get(name)
    if value is None:
        if required:
            fields.errors[name] = "missing"
        return None

    # bool is a subclass of int, and JSON true would otherwise pass as 1.
    if isinstance(value, bool) or not isinstance(value, int) or not minimum <= value <= maximum:
        fields.errors[name] = f"must be an integer from {minimum} to {maximum}"
        return None
    return value


def option_texts(fields: Fields, name: str) -> list[str] | None:
    """Return a field that must be a list of 2 to 4 distinct option texts, trimmed.

    Each text is 1 to 100 code points after trimming. Two texts that differ only
    in letter case count as the same option.
    """
    value: Any = fields.data.get(name)
    if value is None:
        fields.errors[name] = "missing"
        return None
    if not isinstance(value, list) or not MIN_OPTIONS <= len(value) <= MAX_OPTIONS:
        fields.errors[name] = f"must be a list of {MIN_OPTIONS} to {MAX_OPTIONS} strings"
        return None

    texts = []
    for number, option in enumerate(value, start=1):
        problem = string_problem(option)
        if problem is None and not 1 <= len(option.strip()) <= MAX_OPTION_LENGTH:
            problem = f"must be 1 to {MAX_OPTION_LENGTH} characters long"
        if problem:
            fields.errors[name] = f"option {number} {problem}"
            return None
        texts.append(option.strip())

    if len({text.casefold() for text in texts}) != len(texts):
        fields.errors[name] = "must be distinct, ignoring letter case"
        return None
    return texts
