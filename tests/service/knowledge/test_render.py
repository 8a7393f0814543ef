"""Reply templates (`service.knowledge.render`): checked at load, rendered in a sandbox with the
documented context, tidied, and every failure named after its entry."""

from __future__ import annotations

import pytest

from service.knowledge import (
    TEMPLATE_VARIABLES,
    RenderError,
    minimal_context,
    render,
    sample_context,
)
from service.knowledge.render import TemplateProblem, check_template, compile_template
from tests.service.knowledge.support import entry


def test_template_variables_are_the_documented_context_keys() -> None:
    assert TEMPLATE_VARIABLES == (
        "buyer_name", "order_id", "marketplace", "item_title", "items", "quantity", "carrier",
        "tracking_number", "order_status", "purchase_date", "shipped_at", "delivered_at",
        "latest_delivery_date", "fulfillment", "answer_by", "claim_filed",
        "delivery_overdue", "concerns",
    )  # fmt: skip
    assert set(sample_context()) == set(TEMPLATE_VARIABLES)
    assert all(v is not None for v in sample_context().values())
    empty = minimal_context()
    assert set(empty) == set(TEMPLATE_VARIABLES)
    assert {k for k, v in empty.items() if v is not None} == {"order_id", "marketplace"}


def test_render_names_the_entry_and_an_unknown_variable() -> None:
    bad = entry("general/bad", "Bad", "Hello,\nUse {{ coupon_code }}.", kind="template")
    with pytest.raises(RenderError, match=r"general/bad.*coupon_code"):
        render(bad, sample_context())


def test_render_names_a_documented_variable_the_context_lacks() -> None:
    template = entry("general/other", "Other", "Order {{ order_id }}", kind="template")
    context = sample_context()
    del context["order_id"]
    with pytest.raises(RenderError, match=r"general/other.*undefined variable 'order_id'"):
        render(template, context)


def test_render_tidies_whitespace_and_cannot_change_the_context() -> None:
    body = "\n\nHello {{ buyer_name }},   \n\n\n\n{% if carrier %}\nBy {{ carrier }}.\n{% endif %}"
    tidy = entry("t/tidy", "Tidy", body, kind="template")
    assert render(tidy, sample_context()) == "Hello Jane,\n\nBy UPS."
    sneaky = entry("t/sneaky", "Sneaky", "{{ items.append(1) }}", kind="template")
    context = sample_context()
    with pytest.raises(RenderError, match="t/sneaky"):
        render(sneaky, context)
    assert context["items"] == sample_context()["items"]
    with pytest.raises(RenderError, match="article"):
        render(entry("a/x", "X", "Text"), sample_context())


@pytest.mark.parametrize(
    ("source", "line", "says"),
    [
        ("Hello,\n\n{{ coupon_code }}", 3, "unknown template variable 'coupon_code'"),
        ("Hello,\n{% if %}", 2, "Jinja syntax error"),
        ("Hello {{ order_id }", 1, "Jinja syntax error"),
    ],
)
def test_a_bad_template_is_a_problem_on_its_line(source: str, line: int, says: str) -> None:
    with pytest.raises(TemplateProblem, match=says) as problem:
        check_template(source)
    assert problem.value.lineno == line


def test_loop_and_assigned_names_are_not_unknown_variables() -> None:
    source = (
        "{% for item in items %}{{ item.title }} {{ loop.index }}{% endfor %}"
        "{% set n = quantity %} {{ n }}"
    )
    check_template(source)  # raises TemplateProblem on an unknown name
    template = entry("t/loop", "Loop", source, kind="template")
    assert render(template, sample_context()) == "Blender X2 1 1"


def test_python_errors_and_the_sandbox_are_render_errors_naming_the_entry() -> None:
    arithmetic = entry("t/math", "Math", "{{ quantity + 1 }}", kind="template")
    with pytest.raises(RenderError, match=r"t/math \(t/math.md\): TypeError"):
        render(arithmetic, minimal_context())
    escape = entry("t/escape", "Escape", "{{ ''.__class__.__mro__ }}", kind="template")
    with pytest.raises(RenderError, match=r"t/escape.*unsafe"):
        render(escape, sample_context())


def test_a_template_is_compiled_once_per_source() -> None:
    source = "Hello {{ buyer_name }}, order {{ order_id }}."
    assert compile_template(source) is compile_template(source)


def test_a_template_that_never_passed_the_load_check_fails_on_render_by_name() -> None:
    broken = entry("t/broken", "Broken", "Hello {{ order_id }", kind="template")
    with pytest.raises(RenderError, match=r"template t/broken \(t/broken.md\): Jinja syntax"):
        render(broken, sample_context())


def test_a_variable_the_flow_does_not_set_renders_as_none_not_an_error() -> None:
    """A proactive or acknowledgement flow reads no buyer message: `claim_filed` and `concerns`
    are not in its context, and a reply has no `answer_by`; the linter passed such templates."""
    body = (
        "Hello,\n{% if claim_filed %}Claim.{% endif %}{% if concerns %}Sorry.{% endif %}"
        "{% if answer_by %}By {{ answer_by }}.{% endif %}\nOrder {{ order_id }}"
    )
    template = entry("general/any", "Any", body, kind="template")
    context = {"order_id": "114-3941689-8772232", "marketplace": "amazon.com"}
    assert render(template, context) == "Hello,\n\nOrder 114-3941689-8772232"
