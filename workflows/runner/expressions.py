"""The two expression languages Argo evaluates: `when` (govaluate) and retry `expression` (expr).

Only the subset the project can use is implemented; anything else is refused rather than guessed.
- `when` (workflow/controller/steps.go `shouldExecute`): govaluate after `{{...}}` substitution,
  with every bare word turned into a string, so `true == true` compares booleans and
  `games == games` compares strings. A malformed expression is an error Argo reports as
  "Invalid 'when' expression ...", which makes the task node Error.
- retry `expression` (workflow/controller/operator.go `processNodeRetries` → util/expr/argoexpr
  `EvalBool`): expr-lang over `lastRetry.{status,exitCode,duration,message}` and `retries`, all
  strings; `==` of different types is false; `in`/`not in` over a list; a non-boolean result or an
  unknown name is an error.
Grammar (both): `||`/`&&` (and `or`/`and`, `not` in expr), comparisons `== != < > <= >=`, `in`,
`not in` (expr), prefix `!`, parentheses, string/number/boolean literals, lists `[...]` (expr).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from workflows.spec import SpecError


class ExpressionError(Exception):
    """Argo itself would reject this expression (bad syntax, types or result)."""


_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')
    | (?P<number>\d+(?:\.\d+)?)
    | (?P<op>==|!=|<=|>=|&&|\|\||[<>!()\[\],])
    | (?P<name>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
    | (?P<unsupported>=~|!~|\?\?|[-+*/%^&|~?:])
    | (?P<bad>\S)
    )""",
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "'": "'", "\\": "\\"}


@dataclass(frozen=True)
class Token:
    kind: str  # string, number, op, name
    text: str


def tokens(text: str) -> list[Token]:
    found = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:  # only trailing blanks can fail to match
            break
        position = match.end()
        kind = match.lastgroup or "bad"
        if kind == "unsupported":
            raise SpecError(f"operator {match[kind]!r} is not supported locally")
        if kind == "bad":
            raise ExpressionError(f"Invalid token: {match[kind]!r}")
        found.append(Token(kind, match[kind]))
    return found


def _unquote(literal: str) -> str:
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m[1], m[1]), literal[1:-1])


class _Parser:
    def __init__(self, text: str, names: Mapping[str, Any] | None) -> None:
        self.items = tokens(text)
        self.at = 0
        self.names = names  # None: govaluate `when`, where a bare word is a string

    def peek(self) -> str | None:
        if self.at >= len(self.items):
            return None
        token = self.items[self.at]
        return token.text if token.kind in ("op", "name") else None

    def take(self) -> Token:
        if self.at >= len(self.items):
            raise ExpressionError("unexpected end of expression")
        self.at += 1
        return self.items[self.at - 1]

    def keyword(self, *words: str) -> bool:
        """An operator, or (in expr only) a word operator like `and`."""
        found = self.peek()
        if found in words and (self.items[self.at].kind == "op" or self.names is not None):
            self.at += 1
            return True
        return False

    def parse(self) -> Any:
        value = self.either()
        if self.at != len(self.items):
            raise ExpressionError(f"unexpected {self.items[self.at].text!r}")
        return value

    def either(self) -> Any:
        value = self.both()
        while self.keyword("||", "or"):
            right = self.both()
            value = _bool(value) or _bool(right)
        return value

    def both(self) -> Any:
        value = self.compare()
        while self.keyword("&&", "and"):
            right = self.compare()
            value = _bool(value) and _bool(right)
        return value

    def compare(self) -> Any:
        value = self.unary()
        while True:
            if self.keyword("==", "!=", "<", ">", "<=", ">="):
                operator = self.items[self.at - 1].text
                value = _compare(operator, value, self.unary())
            elif self.names is not None and self.keyword("in"):
                value = _contains(self.unary(), value)
            elif self.names is not None and self.peek() == "not" and self._not_in():
                value = not _contains(self.unary(), value)
            else:
                return value

    def _not_in(self) -> bool:
        following = self.items[self.at + 1] if self.at + 1 < len(self.items) else None
        if following is not None and following.kind == "name" and following.text == "in":
            self.at += 2
            return True
        return False

    def unary(self) -> Any:
        if self.keyword("!", "not"):
            return not _bool(self.unary())
        return self.primary()

    def primary(self) -> Any:
        token = self.take()
        if token.kind == "string":
            return _unquote(token.text)
        if token.kind == "number":
            return float(token.text)
        if token.text == "(":
            value = self.either()
            if self.take().text != ")":
                raise ExpressionError("missing )")
            return value
        if token.text == "[" and self.names is not None:
            return self.list()
        if token.kind == "name":
            return self.name(token.text)
        raise ExpressionError(f"unexpected {token.text!r}")

    def list(self) -> list[Any]:
        values: list[Any] = []
        while self.peek() != "]":
            values.append(self.either())
            if self.peek() == ",":
                self.take()
            elif self.peek() != "]":
                raise ExpressionError("expected , or ] in a list")
        self.take()
        return values

    def name(self, word: str) -> Any:
        if word in ("true", "false"):
            return word == "true"
        if self.names is None:
            return word  # govaluate: variables become strings (steps.go shouldExecute)
        if word == "nil":
            return None
        if word not in self.names:
            raise ExpressionError(f"unknown name {word}")
        return self.names[word]


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ExpressionError(f"{value!r} is not a boolean")
    return value


def _compare(operator: str, left: Any, right: Any) -> bool:
    if operator in ("==", "!="):
        same = type(left) is type(right) and left == right
        return same if operator == "==" else not same
    if type(left) is not type(right) or not isinstance(left, (str, float)):
        raise ExpressionError(f"cannot compare {left!r} {operator} {right!r}")
    results = {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}
    return bool(results[operator])


def _contains(collection: Any, value: Any) -> bool:
    if not isinstance(collection, list):
        raise ExpressionError(f"`in` needs a list on its right, got {collection!r}")
    return any(type(value) is type(item) and value == item for item in collection)


def when(text: str) -> bool:
    """A task's `when`, already substituted: True to run it. ExpressionError as Argo's."""
    try:
        result = _Parser(text, None).parse()
    except ExpressionError as exc:
        raise ExpressionError(f"Invalid 'when' expression '{text}': {exc}") from None
    if not isinstance(result, bool):
        raise ExpressionError(f"Expected boolean evaluation for '{text}'. Got {result}")
    return result


def evaluate_bool(text: str, names: Mapping[str, Any]) -> bool:
    """An expr-lang expression over `names` (dotted keys), as argoexpr.EvalBool."""
    try:
        result = _Parser(text, names).parse()
    except ExpressionError as exc:
        raise ExpressionError(f"unable to evaluate expression '{text}': {exc}") from None
    if not isinstance(result, bool):
        raise ExpressionError(f"unable to cast expression result '{result}' to bool")
    return bool(result)
