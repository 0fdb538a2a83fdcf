"""A strict reader for study.yml: plain YAML data only, nothing that can expand or mislead.

`yaml.safe_load` already refuses Python tags, but it expands aliases (a few hundred bytes
of nested `&a [*b, *b, ...]` become gigabytes: "billion laughs") and keeps the last of two
identical keys without a word. The loader here refuses anchors and aliases outright
(a study never needs them), refuses a key given twice (naming both lines), and bounds the
nesting depth. Every text is NFC-normalised, so `Baños` typed on two keyboards is one name.
"""

from __future__ import annotations

import unicodedata

import yaml

__all__ = ["YamlRefused", "load", "nfc"]

MAX_DEPTH = 64


class YamlRefused(ValueError):
    """study.yml cannot be accepted; `line` is 1-based (or None)."""

    def __init__(self, line: int | None, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader without anchors, aliases, duplicate keys or deep nesting."""

    _depth = 0

    def compose_node(self, parent, index):
        event = self.peek_event()
        line = event.start_mark.line + 1 if event.start_mark else None
        if isinstance(event, yaml.AliasEvent):
            raise YamlRefused(
                line,
                f"uses an alias (*{event.anchor}); write the value out in full "
                "(anchors and aliases are not accepted in study.yml).",
            )
        if getattr(event, "anchor", None):
            raise YamlRefused(
                line,
                f"defines an anchor (&{event.anchor}); write the values out in full "
                "(anchors and aliases are not accepted in study.yml).",
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise YamlRefused(line, f"nests more than {MAX_DEPTH} levels deep.")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def construct_mapping(self, node, deep=False):
        seen: dict = {}
        for key_node, _value in node.value:
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlRefused(key_node.start_mark.line + 1, "a key must be a plain name, not a list or a mapping.")
            key = self.construct_object(key_node)
            key = nfc(key)
            line = key_node.start_mark.line + 1
            if key in seen:
                raise YamlRefused(
                    line, f"the key '{key}' is given twice (lines {seen[key]} and {line}); keep one of them."
                )
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def nfc(value: object) -> object:
    """`value` with every text (keys too) in Unicode normal form C.

    Parameters
    ----------
    value : object
        Parsed YAML: text, numbers, lists and mappings nested.

    Returns
    -------
    object
        The same structure, new lists and dicts, every string normalised.
    """
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {nfc(k): nfc(v) for k, v in value.items()}
    if isinstance(value, list):
        return [nfc(v) for v in value]
    return value


def _lines(node, path=(), out=None) -> dict[tuple, int]:
    """Line (1-based) of every key and list item, by path: ("models", "escape", "groups", 0)."""
    out = {} if out is None else out
    if isinstance(node, yaml.MappingNode):
        for k, v in node.value:
            p = path + (nfc(str(k.value)),)
            out[p] = k.start_mark.line + 1
            _lines(v, p, out)
    elif isinstance(node, yaml.SequenceNode):
        for i, v in enumerate(node.value):
            p = path + (i,)
            out[p] = v.start_mark.line + 1
            _lines(v, p, out)
    return out


def load(text: str) -> tuple[object, dict[tuple, int]]:
    """Parse a study.yml text strictly, with each key's line.

    Parameters
    ----------
    text : str
        The file's text.

    Returns
    -------
    data : object
        The parsed document, text in NFC (`nfc`).
    lines : dict of tuple to int
        Key path (``("models", "escape")``) to its line, 1-based.

    Raises
    ------
    YamlRefused
        With a plain message (and a line when known) for invalid YAML, control characters, or
        anything the strict loader refuses.
    """
    loader = None
    try:
        loader = _StrictLoader(text)  # the reader refuses control characters at once
        node = loader.get_single_node()
        if node is None:
            return None, {}
        lines = _lines(node)
        data = loader.construct_document(node)
    except YamlRefused:
        raise
    except yaml.reader.ReaderError as e:
        line = text[: e.position].count("\n") + 1
        code = e.character if isinstance(e.character, int) else ord(str(e.character)[:1] or " ")
        raise YamlRefused(
            line, f"contains a control character (U+{code:04X}), which YAML does not allow; delete it."
        ) from None
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        what = getattr(e, "problem", None) or "cannot be read"
        raise YamlRefused(mark.line + 1 if mark is not None else None, f"is not valid YAML: {what}.") from None
    except (RecursionError, ValueError, OverflowError, TypeError) as e:
        raise YamlRefused(None, f"is not valid YAML: {e.__class__.__name__}: {e}."[:300]) from None
    finally:
        if loader is not None:
            loader.dispose()
    return nfc(data), lines
