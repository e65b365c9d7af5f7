"""Render a configuration template by replacing its ${NAME} placeholders.

Usage: render_template.py TEMPLATE NAME=VALUE... > OUTPUT

Only upper-case names in braces are placeholders, so other dollar signs (such
as "$HOME" in a comment) stay as they are. A placeholder without a value is an
error, and so is a value that the template does not use.
"""

import re
import sys

PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")


def render(template: str, values: dict[str, str]) -> str:
    """Replace every placeholder, raising ValueError if a value is missing or unused."""
    used = set(PLACEHOLDER.findall(template))
    missing = sorted(used - values.keys())
    if missing:
        raise ValueError(f"no value given for placeholder(s): {', '.join(missing)}")
    unused = sorted(values.keys() - used)
    if unused:
        raise ValueError(f"the template has no placeholder(s): {', '.join(unused)}")

    return PLACEHOLDER.sub(lambda match: values[match.group(1)], template)


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2

    values = {}
    for assignment in argv[2:]:
        name, separator, value = assignment.partition("=")
        if not separator:
            print(f"invalid argument {assignment!r}: expected NAME=VALUE", file=sys.stderr)
            return 2
        values[name] = value

    with open(argv[1], encoding="utf-8") as template_file:
        template = template_file.read()
    try:
        sys.stdout.write(render(template, values))
    except ValueError as error:
        print(f"{argv[1]}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
