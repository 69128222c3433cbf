"""What the endpoint refuses before running a query: updates, SERVICE (federation), unreadable text."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from kb.query.protocol import ProtocolError
from kb.query.values import masked, query_form

#: Query forms by rdflib parse-tree name.
FORMS = {
    "SelectQuery": "SELECT",
    "ConstructQuery": "CONSTRUCT",
    "DescribeQuery": "DESCRIBE",
    "AskQuery": "ASK",
}
#: SERVICE as a keyword token: not part of a name, variable, prefixed name or blank node label.
_SERVICE_TOKEN = re.compile(r"(?i)(?<![\w?$:.\-])SERVICE(?![\w:\-])")
REFUSED_SERVICE = "Forbidden: SERVICE (federated query) is refused; this endpoint makes no outbound requests"
REFUSED_UPDATE = "Bad Request: this is a SPARQL Update, not a query; the endpoint is read-only"


def _nodes(tree: Any) -> Iterator[Any]:
    """Every node of an rdflib parse tree (CompValue dicts, ParseResults lists), iteratively."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, list | tuple) or type(node).__name__ == "ParseResults":
            stack.extend(node)


def has_service_token(text: str) -> bool:
    """True when SERVICE occurs as a keyword outside strings, IRIs and comments."""
    return _SERVICE_TOKEN.search(masked(text)) is not None


def _is_update(text: str) -> bool:
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseUpdate

    try:
        parseUpdate(text)
    except (ParseException, RecursionError, ValueError):
        return False
    return True


def inspect(text: str) -> str:
    """The query form (SELECT, CONSTRUCT, DESCRIBE, ASK) of a query the endpoint may run.

    Raises ProtocolError 403 for any SERVICE pattern and 400 for an update. The query is parsed
    with rdflib's SPARQL grammar and refused when its parse tree holds a ServiceGraphPattern. The
    keyword scan on the text without its strings, IRIs and comments runs as well, so that a
    query this parser reads differently from Oxigraph's (or cannot read) is still refused when it
    has a SERVICE anywhere; a query neither check objects to goes to Oxigraph, whose parser then
    reports any syntax error.
    """
    from pyparsing import ParseException
    from rdflib.plugins.sparql.parser import parseQuery

    try:
        tree = parseQuery(text)
    except (ParseException, RecursionError, ValueError):
        if _is_update(text):
            raise ProtocolError(400, REFUSED_UPDATE) from None
        tree = None
    if tree is not None and any(getattr(n, "name", None) == "ServiceGraphPattern" for n in _nodes(tree)):
        raise ProtocolError(403, REFUSED_SERVICE)
    if has_service_token(text):
        raise ProtocolError(403, REFUSED_SERVICE)
    if tree is not None:
        return FORMS.get(getattr(tree[-1], "name", ""), "SELECT")
    return query_form(text)
