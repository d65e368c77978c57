"""Outreach drafts: Jinja2 in a sandbox, because admins may write their own templates.

Shipped defaults live in `bot/templates/<locale>/outreach/<name>_<variant>.j2`; undefined names
fail loudly (StrictUndefined), so a bad template is refused when saved, not when sent.

Jinja's sandbox stops a template from reaching Python's internals, not from using all the
memory or time it likes (`{{ "x" * 10**9 }}`, loops in loops): this one also bounds the work.
Every text a template makes (operators, `~`, filters, calls, `{% set %}` blocks) is at most
MAX_CHARS long, numbers stay small, `range` gives at most MAX_RANGE numbers, and one rendering
may take MAX_STEPS loop iterations and calls in all. The draft itself is streamed and cut off
past MAX_CHARS, and a template is checked on save with realistic values, the longest ones refbot
stores and absent ones included, so a saved wording renders at reach-out in well under a second.
"""

import functools
import inspect
import logging
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from functools import cache
from pathlib import Path
from typing import Any

from jinja2 import StrictUndefined, TemplateError, TemplateRuntimeError, nodes
from jinja2.runtime import Context, Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.visitor import NodeTransformer

from bot.i18n import TEMPLATES, normalize_locale

_log = logging.getLogger("refbot.outreach")

DEFAULTS = ("referred_A", "referred_B", "rediscovered_A", "rediscovered_B")
CONTEXT_NAMES = ("first_name", "role", "referrer_first_name", "recruiter")

# The reach-out modal shows the draft in one section: 3000 characters with its frame.
MAX_CHARS = 2500
MAX_RANGE = 100
MAX_STEPS = 1000  # loop iterations and calls in one rendering
MAX_INT_BITS = 256  # a number past 10**77 is no wording; squaring bigger ones is the slow part

# What `check` renders a template with. Names and titles are at most 200 characters in storage
# (`storage.models`); the role and the referrer may be absent.
_LONG = "W" * 200
SAMPLES = (
    {
        "first_name": "Ada",
        "role": "Software Engineer",
        "referrer_first_name": "Grace",
        "recruiter": "Rita Okafor",
    },
    {"first_name": "Ada", "role": None, "referrer_first_name": None, "recruiter": "Rita Okafor"},
    {name: _LONG for name in CONTEXT_NAMES},
    {"first_name": _LONG, "role": None, "referrer_first_name": None, "recruiter": _LONG},
)


class WordingTooLong(TemplateRuntimeError):
    """The template makes a text longer than MAX_CHARS."""


class WordingTooCostly(SecurityError):
    """The template asks for more work or memory than a message needs."""


class _Steps:
    def __init__(self) -> None:
        self.left = MAX_STEPS

    def spend(self) -> None:
        self.left -= 1
        if self.left < 0:
            raise WordingTooCostly(f"more than {MAX_STEPS} loop iterations and calls")


_STEPS: ContextVar[_Steps] = ContextVar("outreach_template_steps")


def _spend() -> None:
    _STEPS.get().spend()


def _sized(value: Any) -> Any:
    """The value, unless it is a text or collection too big for a message."""
    if isinstance(value, str) and len(value) > MAX_CHARS:
        raise WordingTooLong(f"a text longer than {MAX_CHARS} characters")
    if isinstance(value, bytes | list | tuple | dict | set | frozenset) and len(value) > MAX_CHARS:
        raise WordingTooCostly(f"a collection of more than {MAX_CHARS} items")
    if isinstance(value, int) and value.bit_length() > MAX_INT_BITS:
        raise WordingTooCostly("a number too large for a message")
    return value


def _small_arguments(args: Iterable[Any], kwargs: dict[str, Any]) -> None:
    # A width, count or size argument (center(10**9), batch(10**9), …) is refused before the
    # call allocates anything.
    for value in (*args, *kwargs.values()):
        if isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_CHARS:
            raise WordingTooCostly(f"a number above {MAX_CHARS} passed to a function")


def _bounded_range(*args: int) -> range:
    numbers = range(*args)
    if len(numbers) > MAX_RANGE:
        raise WordingTooCostly(f"a range of more than {MAX_RANGE} numbers")
    return numbers


def _metered(iterable: Iterable[Any]) -> Iterator[Any]:
    """Every loop's iterable, wrapped by `_Metering`: each iteration spends a step."""
    for item in iterable:
        _spend()
        yield item


def _bounded_filter(function: Callable[..., Any]) -> Callable[..., Any]:
    # Filters are called directly by the compiled template, not through `call`.
    leading = 2 if getattr(function, "jinja_pass_arg", None) else 1  # context/env, value

    @functools.wraps(function)  # keeps `jinja_pass_arg`
    def bounded(*args: Any, **kwargs: Any) -> Any:
        _small_arguments(args[leading:], kwargs)
        return _sized(function(*args, **kwargs))

    return bounded


def _refuse_formatting(*args: Any, **kwargs: Any) -> str:
    raise WordingTooCostly("printf-style formatting is not available")


class _Metering(NodeTransformer):
    """Rewrites a parsed template so that loops spend steps and joined text is measured."""

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = _filter(node.iter, "refbot_metered")
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        return _filter(self.generic_visit(node), "refbot_sized")

    def visit_AssignBlock(self, node: nodes.AssignBlock) -> nodes.Node:
        # `{% set x %}…{% endset %}` captures its body: an outer filter measures it (a filter
        # whose node is None is applied to the captured text, see jinja2.compiler).
        self.generic_visit(node)
        node.filter = _filter(node.filter, "refbot_sized")
        return node


def _filter(node: nodes.Expr | None, name: str) -> nodes.Filter:
    lineno = node.lineno if node is not None else 1
    return nodes.Filter(node, name, [], [], None, None, lineno=lineno)


class _BoundedSandbox(ImmutableSandboxedEnvironment):
    """Jinja's sandbox (immutable: no `list.append` to grow a value in a loop), with limits."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})

    def __init__(self) -> None:
        super().__init__(
            undefined=StrictUndefined,
            autoescape=False,
            trim_blocks=True,
            finalize=lambda value: "" if value is None else value,  # an absent role says nothing
        )
        self.globals["range"] = _bounded_range
        del self.globals["lipsum"]  # lipsum(10**6): a megabyte of text from one call
        self.filters = {name: _bounded_filter(f) for name, f in self.filters.items()}
        self.filters["format"] = _refuse_formatting  # "%999999999d"|format(1)
        self.filters["refbot_metered"] = _metered
        self.filters["refbot_sized"] = _sized

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        # Environment.compile parses through this method; the tree is rewritten before the
        # code is generated.
        tree = super()._parse(source, name, filename)
        _Metering().visit(tree)
        tree.set_environment(self)  # the new nodes too
        return tree

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            _check_power(left, right)
        elif operator == "*":
            _check_product(left, right)
        elif operator == "%" and isinstance(left, str):
            _refuse_formatting()
        try:
            result = super().call_binop(context, operator, left, right)
        except OverflowError:  # 10.0 ** 400
            raise WordingTooCostly("a number too large for a message") from None
        return _sized(result)

    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        _spend()
        if obj is not _bounded_range and not isinstance(obj, Macro):
            _small_arguments(args, kwargs)
        if _is_string_format(obj):
            _refuse_formatting()  # "{:999999999}".format(1)
        return _sized(super().call(context, obj, *args, **kwargs))


def _check_power(base: Any, exponent: Any) -> None:
    whole = isinstance(base, int) and isinstance(exponent, int) and exponent > 0
    if whole and abs(base).bit_length() * exponent > MAX_INT_BITS:
        raise WordingTooCostly("a number too large for a message")


def _check_product(left: Any, right: Any) -> None:
    for sequence, times in ((left, right), (right, left)):
        repeated = isinstance(sequence, str | bytes | list | tuple) and isinstance(times, int)
        if repeated and len(sequence) * times > MAX_CHARS:
            if isinstance(sequence, str):
                raise WordingTooLong(f"a text longer than {MAX_CHARS} characters")
            raise WordingTooCostly(f"a collection of more than {MAX_CHARS} items")
    whole = isinstance(left, int) and isinstance(right, int)
    if whole and left.bit_length() + right.bit_length() > MAX_INT_BITS:
        raise WordingTooCostly("a number too large for a message")


def _is_string_format(function: Any) -> bool:
    # The sandbox hands templates a wrapper of str.format (jinja2.sandbox.wrap_str_format).
    method = inspect.unwrap(function)
    return isinstance(getattr(method, "__self__", None), str) and getattr(
        method, "__name__", ""
    ) in ("format", "format_map")


@cache
def _sandbox() -> _BoundedSandbox:
    return _BoundedSandbox()


def default_source(locale: str, key: str) -> str:
    path = Path(TEMPLATES) / normalize_locale(locale) / "outreach" / f"{key}.j2"
    return path.read_text(encoding="utf-8")


def render(source: str, **context: Any) -> str:
    """The draft, or a TemplateError for a template that uses what it may not, or too much."""
    steps = _STEPS.set(_Steps())
    try:
        pieces: list[str] = []
        length = 0
        for piece in _sandbox().from_string(source).generate(**context):
            length += len(piece)
            if length > MAX_CHARS:  # stop streaming: the rest is never produced
                raise WordingTooLong(f"a draft longer than {MAX_CHARS} characters")
            pieces.append(piece)
        return "".join(pieces).strip()
    except TemplateError:
        raise
    except RecursionError:
        raise WordingTooCostly("macros calling themselves too deeply") from None
    except Exception as error:  # 1/0, "a" - 1, int("x"): the template's mistake, not refbot's
        raise TemplateRuntimeError(f"{type(error).__name__}: {error}") from None
    finally:
        _STEPS.reset(steps)


def render_custom(source: str, *, default: str, **context: Any) -> str:
    """The draft in the workspace's own wording, or in `default` if that wording fails here
    (checked on save, but a reach-out must never fail nor wait because of a wording)."""
    try:
        return render(source, **context)
    except TemplateError as error:
        _log.warning("custom outreach wording failed (%s); default used", type(error).__name__)
        return render(default, **context)


def check(source: str) -> str | None:
    """None when the template renders with every sample, else the error code to show
    (`bad_template`, `template_too_long` or `template_too_costly`)."""
    for sample in SAMPLES:
        try:
            render(source, **sample)
        except WordingTooLong:
            return "template_too_long"
        except WordingTooCostly:
            return "template_too_costly"
        except TemplateError:
            return "bad_template"
    return None
