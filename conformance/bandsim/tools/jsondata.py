"""What the tools' JSON files (replay scripts, transcripts) share:
reading one, with one error for text that is not JSON or not of its
format, and the name of a JSON value's type for the messages that say
what a field holds instead of what it should.
"""

import json


def loads(text: str, error):
    """The data text holds; error("not JSON: ...") when it is not JSON."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise error(f"not JSON: {exc}") from None


def json_type(value) -> str:
    """"an integer", "a list", ... "null": what value is, in JSON's
    words."""
    for kind, name in ((bool, "a boolean"), (int, "an integer"),
                       (float, "a number"), (str, "a string"),
                       (list, "a list"), (dict, "an object")):
        if isinstance(value, kind):
            return name
    return "null"


def check_format(data, form: str, what: str, error) -> None:
    """data is an object whose "format" is form; error("not a <form>
    <what>: ...") when it is not."""
    if not isinstance(data, dict):
        raise error(f"not a {form} {what}: an object expected, not "
                    f"{json_type(data)}")
    if data.get("format") != form:
        raise error(f"not a {form} {what}: its format is "
                    f"{data.get('format')!r:.40}")
