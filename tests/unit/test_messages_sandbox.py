from pathlib import Path

import pytest

from dunning.errors import DunningError, TemplateError, TemplateNotFoundError, UnsafeTemplateError
from dunning.invoices import Customer
from dunning.messages import Notice, bundled_catalog, load_catalog, render
from dunning.messages._sandbox import compile_template, render_template
from dunning.messages.check import sample_customer, sample_notice
from dunning.money import Money

COP = Money("1234567", "COP")


def customer() -> Customer:
    return sample_customer("es_CO")


def due_today() -> Notice:
    return sample_notice("due-today", "sms", "es_CO")


# Each is refused when the catalog is built (a tag or filter that is not allowed) or when it
# renders (the sandbox stops the attribute or the call); never does it run.
HOSTILE = {
    "dunder attribute": "{{ customer_name.__class__ }}",
    "subclasses walk": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "function globals": "{{ customer_name.__init__.__globals__ }}",
    "method call": "{{ customer_name.upper() }}",
    "format string": "{{ '{0.__class__}'.format(customer_name) }}",
    "format filter": "{{ '%s'|format(customer_name) }}",
    "attr filter": "{{ customer_name|attr('__class__') }}",
    "map filter": "{{ items|map(attribute='__class__')|list }}",
    "include file": "{% include '/etc/passwd' %}",
    "extends file": "{% extends 'base.html' %}",
    "import": "{% import 'macros.html' as m %}",
    "from import": "{% from 'macros.html' import x %}",
    "macro": "{% macro x() %}{% endmacro %}",
    "range global": "{{ range(10**8)|length }}",
    "cycler global": "{{ cycler.__init__.__globals__.os }}",
    "lipsum global": "{{ lipsum.__globals__['os'] }}",
    "self reference": "{{ self._TemplateReference__context }}",
    "string repetition": "{{ 'a' * 1000000000 }}",
    "list repetition": "{{ [1] * 1000000000 }}",
    "huge power": "{{ 9 ** 99999999 }}",
    "loop over subclasses": (
        "{% for c in ().__class__.__base__.__subclasses__() %}{{ c }}{% endfor %}"
    ),
    "namespace call": "{{ namespace(a=1) }}",
    "items mutation": "{{ items.append(1) }}",
}


def _render_with(source: str) -> None:
    catalog = bundled_catalog().with_overrides(
        {"es_CO": {"templates": {"due-today": {"sms": source}}}}
    )
    render(due_today(), customer(), catalog=catalog)


def _compile_and_render(source: str, where: str) -> str:
    template = compile_template(source, where=where)
    return render_template(template, {"customer_name": "Ana", "items": []}, where=where)


@pytest.mark.parametrize("source", HOSTILE.values(), ids=HOSTILE.keys())
def test_hostile_templates_are_refused_with_a_clear_error(source: str) -> None:
    with pytest.raises(TemplateError, match=r"template .*(refused|unknown value)") as caught:
        _render_with(source)
    error = caught.value
    assert isinstance(error, DunningError)
    assert "due-today" in str(error)
    assert "es_CO" in str(error)


def test_at_least_ten_hostile_templates_are_refused_by_the_sandbox_itself() -> None:
    unsafe = 0
    for source in HOSTILE.values():
        # the globals a sandbox escape usually starts from (range, cycler, lipsum,
        # namespace) are not there at all: an unknown value, refused too
        with pytest.raises(TemplateError) as caught:
            _compile_and_render(source, "'t' sms (es_CO)")
        unsafe += isinstance(caught.value, UnsafeTemplateError)
    assert unsafe >= 15


@pytest.mark.parametrize(
    ("source", "message"),
    [
        (
            "{{ customer_name.__class__ }}",
            "access to attribute '__class__' of 'str' object is unsafe",
        ),
        ("{{ customer_name.upper() }}", "calling 'upper' is not allowed in a message template"),
        ("{% include 'x' %}", "'{% include %}' is not allowed in a message template"),
        ("{{ x|attr('y') }}", "the filter 'attr' is not allowed (allowed: capitalize, default"),
        ("{{ 'a' * 3 }}", "'*' on str and int is not allowed in a message template"),
        ("{{ 2 ** 65 }}", "a power above 64 is not allowed"),
    ],
)
def test_the_error_says_what_was_refused(source: str, message: str) -> None:
    with pytest.raises(UnsafeTemplateError) as caught:
        _compile_and_render(source, "'due-today' sms (es_CO)")
    assert message in str(caught.value)
    assert str(caught.value).startswith("template 'due-today' sms (es_CO)")


def test_arithmetic_and_loops_that_are_harmless_still_work() -> None:
    template = compile_template(
        "{% for i in items %}{{ i.number }}{{ ', ' if not loop.last else '' }}{% endfor %}"
        " {{ 2 * 3 }} {{ 2 ** 10 }} {{ name|upper }}",
        where="t",
    )
    values = {"items": [{"number": "A"}, {"number": "B"}], "name": "ana"}
    assert render_template(template, values, where="t") == "A, B 6 1024 ANA"


def test_an_unknown_value_is_an_error_not_a_blank() -> None:
    template = compile_template("Hola {{ nombre }}", where="'x' sms (es)")
    with pytest.raises(TemplateError, match="'x' sms \\(es\\) uses an unknown value: 'nombre' is"):
        render_template(template, {"customer_name": "Ana"}, where="'x' sms (es)")


def test_a_syntax_error_names_the_template_and_line() -> None:
    catalog = bundled_catalog()
    with pytest.raises(TemplateError, match=r"'due-today' body \(es_CO, host\.toml\) does not"):
        catalog.with_overrides(
            {"es_CO": {"templates": {"due-today": {"body": "ok\n{% if %}"}}}}, where="host.toml"
        )


def test_html_parts_escape_values_but_text_parts_do_not() -> None:
    values = {"customer_name": "<b>Ana & Co</b>"}
    html = compile_template("{{ customer_name }}", where="t", html=True)
    text = compile_template("{{ customer_name }}", where="t")
    assert render_template(html, values, where="t") == "&lt;b&gt;Ana &amp; Co&lt;/b&gt;"
    assert render_template(text, values, where="t") == "<b>Ana & Co</b>"


# -- overrides, aliases, files ----------------------------------------------------------------


def test_host_phrases_override_the_bundled_ones() -> None:
    catalog = bundled_catalog().with_overrides(
        {"es_CO": {"templates": {"due-today": {"sms": "{{ invoices }} vence hoy: {{ link }}"}}}}
    )
    message = render(due_today(), customer(), catalog=catalog, link="https://p.example/1")
    assert message.text == "FE-9111 vence hoy: https://p.example/1"
    # the other locales and phrases are untouched
    assert render(due_today(), customer(), link="https://p.example/1").text.startswith(
        "Le recordamos que hoy"
    )


def test_unknown_phrases_and_keys_are_refused() -> None:
    with pytest.raises(TemplateError, match="unknown phrase\\(s\\) 'smss'"):
        bundled_catalog().with_overrides({"es_CO": {"templates": {"due-today": {"smss": "x"}}}})
    with pytest.raises(TemplateError, match="unknown key\\(s\\) 'template'"):
        bundled_catalog().with_overrides({"es_CO": {"template": {}}})
    with pytest.raises(TemplateError, match="'xx_YY' is not a locale known to babel"):
        bundled_catalog().with_overrides({"xx_YY": {}})
    with pytest.raises(TemplateError, match="phrase 'sms' must be a string, got 3"):
        bundled_catalog().with_overrides({"es_CO": {"templates": {"due-today": {"sms": 3}}}})


def test_aliases_map_a_policy_template_to_an_entry() -> None:
    catalog = bundled_catalog().with_aliases({"b2c-due-today": "due-today"})
    assert "b2c-due-today" in catalog
    assert catalog.resolve("b2c-due-today", "es_CO") == ("due-today", "es_CO")
    with pytest.raises(TemplateError, match="alias 'x' points to 'nothing', which no locale"):
        bundled_catalog().with_aliases({"x": "nothing"})


def test_a_missing_template_names_the_chain_and_what_exists() -> None:
    notice = due_today().evolve(template="b2c-due-today")
    with pytest.raises(
        TemplateNotFoundError, match="no template 'b2c-due-today' in locales es_CO, es, en"
    ):
        render(notice, customer())


def test_load_catalog_reads_aliases_and_phrases_from_toml(tmp_path: Path) -> None:
    path = tmp_path / "templates.toml"
    path.write_text(
        '[aliases]\n"b2c-due-today" = "due-today"\n\n'
        '[es_CO.layout]\nsignature = "Cartera {{ business }}"\n\n'
        '[es_CO.templates.due-today]\nsms = "Hoy vence {{ invoices }} ({{ amount }})"\n',
        encoding="utf-8",
    )
    catalog = load_catalog(path)
    notice = due_today().evolve(template="b2c-due-today")
    assert render(notice, customer(), catalog=catalog).text == "Hoy vence FE-9111 ($1.234.567)"


def test_load_catalog_refuses_a_hostile_file_at_once(tmp_path: Path) -> None:
    path = tmp_path / "templates.toml"
    path.write_text('[es.templates.due-today]\nsms = "{{ x.__class__.__mro__ }}"\n', "utf-8")
    # the attribute is refused when rendered; a forbidden tag when the file is read
    path.write_text("[es.templates.due-today]\nsms = \"{% include 'x' %}\"\n", "utf-8")
    with pytest.raises(UnsafeTemplateError, match=f"{path}.*include"):
        load_catalog(path)


def test_load_catalog_reports_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="cannot read the catalog file"):
        load_catalog(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[es\n", "utf-8")
    with pytest.raises(TemplateError, match="is not valid TOML"):
        load_catalog(bad)


def test_notice_needs_an_invoice() -> None:
    with pytest.raises(ValueError, match="invoice_ids"):
        Notice(
            template="receipt",
            channel="sms",
            customer_id="C-1",
            invoice_ids=(),
            amount=COP,
            due_date=due_today().due_date,
            on=due_today().on,
        )
