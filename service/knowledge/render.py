"""Reply templates: the sandboxed Jinja2 environment, the context they get, and rendering."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Final

import jinja2
from jinja2 import nodes
from jinja2.sandbox import ImmutableSandboxedEnvironment

# The order context (docs/knowledge-base.md). Every key is always present; a value the order
# does not have is None (and `items` may be empty), so templates branch with `{% if … %}`.
# Dates arrive already formatted for the buyer's locale: templates never format them.
TEMPLATE_VARIABLES: Final[tuple[str, ...]] = (
    "buyer_name",
    "order_id",
    "marketplace",
    "item_title",
    "items",  # list of {"asin", "sku", "title", "quantity"}
    "quantity",
    "carrier",
    "tracking_number",
    "order_status",  # Amazon's OrderStatus: Pending, Unshipped, Shipped, Canceled, …
    "purchase_date",
    "shipped_at",
    "delivered_at",
    "latest_delivery_date",
    "fulfillment",  # "MFN" (seller ships) or "AFN" (Fulfilled by Amazon)
    "answer_by",  # acknowledgements: when the full answer comes, local date and time
    # From the buyer's message, not the order: the message says an A-to-z claim has been made
    # (True), not only threatened (False). None where no message was read (proactive).
    "claim_filed",
    # The latest delivery date is already past when the message arrived: a template says the
    # parcel is late rather than "should arrive by" a day gone by. None without a message time.
    "delivery_overdue",
    # From the buyer's message: the item problems stated beside the intent ("damaged_item",
    # "defective_item", "wrong_item", "missing_parts"), for a reply that owns them. A list, empty
    # when none; None where no message was read (proactive).
    "concerns",
)

# Always in the context; every other variable may be missing from a flow's context (None then).
REQUIRED_VARIABLES: Final = ("order_id", "marketplace")
OPTIONAL_VARIABLES: Final = tuple(v for v in TEMPLATE_VARIABLES if v not in REQUIRED_VARIABLES)

# Templates are written by ops, not by us: the sandbox keeps them from reaching Python internals,
# and the immutable variant keeps one render from changing the shared `items` list for the next.
# StrictUndefined turns a misspelt variable into an error instead of a blank in a buyer's reply.
# No trim_blocks: it glues a line ending in `{% endif %}` to the next one ("…by Friday.Kind
# regards"). The blank lines that `{% if %}` lines leave instead are collapsed after rendering.
_ENV: Final = ImmutableSandboxedEnvironment(
    undefined=jinja2.StrictUndefined,
    autoescape=False,  # plain-text messages: HTML escaping would garble "&" and quotes
    lstrip_blocks=True,
)
_KNOWN: Final = frozenset(TEMPLATE_VARIABLES) | frozenset(_ENV.globals) | {"loop"}
_UNDEFINED_NAME = re.compile(r"^'([^']+)' is undefined$")


class TemplateProblem(ValueError):
    """A template that cannot be used; `lineno` counts from the first line of the body."""

    def __init__(self, message: str, *, lineno: int) -> None:
        super().__init__(message)
        self.message = message
        self.lineno = lineno


class RenderError(ValueError):
    """A template failed at render time (for example a variable the context lacks)."""


# Checking is cheap (parse and walk the names, about a tenth of a compile): it runs at load, so a
# typo or an unknown variable is a load error. Compiling (about 0.6 ms) waits for the first
# render. Both are cached by source: a reload recompiles only what ops changed, and templates
# are immutable, so sharing them between threads and reloads is safe.
@functools.lru_cache(maxsize=20_000)
def check_template(source: str) -> None:
    """Raise TemplateProblem for a syntax error or a variable not in TEMPLATE_VARIABLES."""
    _checked_tree(source)


def _checked_tree(source: str) -> nodes.Template:
    try:
        tree = _ENV.parse(source)
    except jinja2.TemplateSyntaxError as exc:
        raise TemplateProblem(f"Jinja syntax error: {exc.message}", lineno=exc.lineno) from exc
    # A walk over the names is a fraction of jinja2.meta's second code-generation pass.
    assigned = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    for name in tree.find_all(nodes.Name):
        if name.ctx == "load" and name.name not in _KNOWN and name.name not in assigned:
            known = ", ".join(TEMPLATE_VARIABLES)
            raise TemplateProblem(
                f"unknown template variable '{name.name}' (known: {known})", lineno=name.lineno
            )
    return tree


@functools.lru_cache(maxsize=20_000)
def compile_template(source: str) -> jinja2.Template:
    """Check (as check_template) and compile, once per distinct source."""
    return _ENV.from_string(_checked_tree(source))


def render_template(template: jinja2.Template, context: Mapping[str, object], *, name: str) -> str:
    """Render and tidy: no trailing spaces, no blank lines at the ends or two in a row."""
    try:
        raw = template.render(dict(context))
    except jinja2.UndefinedError as exc:
        match = _UNDEFINED_NAME.match(str(exc))
        what = f"undefined variable '{match.group(1)}'" if match else str(exc)
        raise RenderError(f"template {name}: {what}") from exc
    except jinja2.TemplateError as exc:  # sandbox SecurityError and friends
        raise RenderError(f"template {name}: {exc}") from exc
    except (TypeError, ValueError, ArithmeticError) as exc:  # e.g. `quantity + 1` with None
        raise RenderError(f"template {name}: {type(exc).__name__}: {exc}") from exc
    lines = [line.rstrip() for line in raw.splitlines()]
    tidy: list[str] = []
    for line in lines:
        if line or (tidy and tidy[-1]):
            tidy.append(line)
    while tidy and not tidy[-1]:
        tidy.pop()
    return "\n".join(tidy)


def sample_context() -> dict[str, object]:
    """A realistic context with every value set (tests, `kb lint`, previews)."""
    return {
        "buyer_name": "Jane",
        "order_id": "114-3941689-8772232",
        "marketplace": "amazon.com",
        "item_title": "Blender X2",
        "items": [{"asin": "B08N5WRWNW", "sku": "BLND-01", "title": "Blender X2", "quantity": 1}],
        "quantity": 1,
        "carrier": "UPS",
        "tracking_number": "1Z999AA10123456784",
        "order_status": "Shipped",
        "purchase_date": "November 14, 2026",
        "shipped_at": "November 15, 2026",
        "delivered_at": "November 18, 2026",
        "latest_delivery_date": "November 21, 2026",
        "fulfillment": "MFN",
        "answer_by": "Monday, November 23, 2026, 3:00 PM PST",
        "claim_filed": True,
        "delivery_overdue": False,
        "concerns": ["damaged_item"],
    }


def minimal_context() -> dict[str, object]:
    """The same order with only what the API requires: every optional value is None."""
    required = dict(zip(REQUIRED_VARIABLES, ("114-3941689-8772232", "amazon.com"), strict=True))
    return {key: required.get(key) for key in TEMPLATE_VARIABLES}
