"""Rendering: accessible markup, escaping, CSRF input, template overrides."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from markupsafe import Markup

from bastion import forms
from bastion.settings import Settings, TemplateConfig
from bastion.templating import TemplateEngine


class NoteForm(forms.Form):
    title = forms.CharField(max_length=20, help_text="Keep it <short>")
    body = forms.TextField(required=False)
    colour = forms.ChoiceField(choices=[("r", "Red"), ("g", "Green")], required=False)
    tags = forms.MultipleChoiceField(choices=["a", "b", "c"], required=False)
    secret = forms.PasswordField(required=False)
    pinned = forms.BooleanField(required=False)
    token = forms.CharField(widget=forms.HiddenInput, required=False)


def bare_request(token: str = "tok") -> Any:
    return SimpleNamespace(csrf_token_factory=lambda: token)


def test_render_includes_the_csrf_input_and_returns_markup() -> None:
    html = NoteForm().render(bare_request())
    assert isinstance(html, Markup)
    assert html.startswith('<input type="hidden" name="csrf_token" value="tok">')


def test_render_without_a_token_has_no_csrf_input() -> None:
    assert "csrf_token" not in NoteForm().render(None)


def test_labels_point_at_inputs_and_help_is_described() -> None:
    html = NoteForm().render(bare_request())
    assert '<label for="id_title">Title</label>' in html
    assert 'id="id_title"' in html
    assert 'aria-describedby="id_title_help"' in html
    assert '<p class="helptext" id="id_title_help">Keep it &lt;short&gt;</p>' in html
    assert 'maxlength="20"' in html
    assert "required" in str(NoteForm()["title"].widget_html())
    assert "aria-invalid" not in html


def test_errors_are_linked_with_aria() -> None:
    form = NoteForm({"title": ""})
    html = form.render(bare_request())
    assert 'aria-invalid="true"' in html
    assert 'aria-describedby="id_title_help id_title_errors"' in html
    assert '<ul class="errorlist" id="id_title_errors"><li>This field is required.</li></ul>' in (
        html
    )
    assert form["title"].aria_invalid
    assert not form["body"].aria_invalid


def test_non_field_errors_are_rendered_as_an_alert() -> None:
    form = NoteForm({"title": "x"})
    form.add_error(None, "Something <bad>.")
    html = form.render(bare_request())
    assert 'role="alert"' in html
    assert "<li>Something &lt;bad&gt;.</li>" in html


def test_submitted_values_are_escaped() -> None:
    payload = '"><script>alert(1)</script>'
    form = NoteForm({"title": payload, "body": "</textarea><script>x</script>"})
    html = form.render(bare_request())
    assert "<script>" not in html
    assert 'value="&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in html
    assert "&lt;/textarea&gt;&lt;script&gt;x&lt;/script&gt;</textarea>" in html


def test_password_is_never_rendered_back() -> None:
    form = NoteForm({"title": "", "secret": "hunter2"})
    assert "hunter2" not in form.render(bare_request())


def test_choices_checkbox_and_hidden_inputs() -> None:
    from bastion.http.datastructures import MultiDict

    data = MultiDict([("colour", "g"), ("tags", "a"), ("tags", "c"), ("pinned", "on")])
    html = NoteForm(data).render(bare_request())
    assert '<option value="g" selected>Green</option>' in html
    assert '<option value="r">Red</option>' in html
    assert '<option value="">---------</option>' in html
    assert '<select name="tags" multiple id="id_tags">' in html
    assert '<option value="a" selected>a</option>' in html
    assert '<option value="b">b</option>' in html
    assert '<input type="checkbox" name="pinned" checked id="id_pinned">' in html
    assert '<input type="hidden" name="token" id="id_token" maxlength="1000">' in html
    assert '<label for="id_token">' not in html


def test_initial_values_are_shown_on_an_unbound_form() -> None:
    html = str(NoteForm(initial={"title": "Draft"})["title"])
    assert 'value="Draft"' in html


def test_per_field_and_per_form_templates(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    (templates / "bastion" / "forms").mkdir(parents=True)
    (templates / "custom_field.html").write_text("[{{ field.label }}]", encoding="utf-8")
    (templates / "custom_form.html").write_text(
        "{{ csrf_input() }}{% for f in form %}({{ f.name }}){% endfor %}", encoding="utf-8"
    )
    (templates / "bastion" / "forms" / "widgets").mkdir()
    (templates / "bastion" / "forms" / "widgets" / "input.html").write_text(
        "<input class=project{{ attrs }}>", encoding="utf-8"
    )
    engine = TemplateEngine(
        Settings(TEMPLATES=TemplateConfig()),
        search_dirs=[templates],
        url=lambda name, **kw: "/",
        static=lambda path: "/static/" + path,
    )
    request = SimpleNamespace(app=SimpleNamespace(templates=engine), csrf_token_factory=lambda: "t")

    class Custom(forms.Form):
        template_name = "custom_form.html"
        a = forms.CharField()
        b = forms.CharField(template_name="custom_field.html", label="Bee")

    form = Custom()
    assert form.render(request) == '<input type="hidden" name="csrf_token" value="t">(a)(b)'
    assert form.render(request, "bastion/forms/form.html").count("[Bee]") == 1
    # The project's widget template overrides the shipped one.
    assert form["a"].widget_html().startswith("<input class=project")


def test_autoescape_cannot_be_switched_off_in_form_templates(tmp_path: Path) -> None:
    from jinja2 import TemplateSyntaxError

    (tmp_path / "evil.html").write_text(
        "{% autoescape false %}{{ form }}{% endautoescape %}", encoding="utf-8"
    )
    engine = TemplateEngine(
        Settings(TEMPLATES=TemplateConfig()),
        search_dirs=[tmp_path],
        url=lambda name, **kw: "/",
        static=lambda path: path,
    )
    request = SimpleNamespace(app=SimpleNamespace(templates=engine))
    with pytest.raises(TemplateSyntaxError):
        NoteForm().render(request, "evil.html")


def test_bound_field_properties() -> None:
    form = NoteForm({"title": "x"})
    bound = form["title"]
    assert repr(bound) == "<BoundField title>"
    assert bound.label == "Title"
    assert bound.value() == "x"
    assert [bf.name for bf in form.hidden_fields()] == ["token"]
    with pytest.raises(KeyError):
        form["nope"]


def test_form_in_a_page_through_the_application(tmp_path: Path) -> None:
    from bastion import Bastion, Request, Response, render
    from bastion.routing import path
    from bastion.testing import Client

    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text(
        '<form method="post">{{ form.render(request) }}</form>', encoding="utf-8"
    )

    def page(request: Request) -> Response:
        form = NoteForm(request.form if request.method == "POST" else None)
        return render(request, "page.html", {"form": form}, status=200)

    app = Bastion(
        Settings(
            DEBUG=True,
            SECRET_KEY="test-only-key-for-debug-settings",
            BASE_DIR=str(tmp_path),
            TEMPLATES=TemplateConfig(dirs=("templates",)),
        ),
        routes=[path("", page, methods=["GET", "POST"])],
    )
    client = Client(app)
    body = client.get("/").text
    assert 'name="csrf_token" value="' in body
    assert '<label for="id_title">Title</label>' in body
    posted = client.post("/", data={"title": "<b>"}).text
    assert 'value="&lt;b&gt;"' in posted


def test_hidden_field_errors_are_shown_with_the_form_errors() -> None:
    class Hidden(forms.Form):
        step = forms.IntegerField(widget=forms.HiddenInput)

    html = Hidden({"step": "x"}).render(bare_request())
    assert "<li>Step: Enter a whole number.</li>" in html
