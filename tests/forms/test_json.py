"""validate_json: the form rules for JSON bodies, and a 400 that says what is wrong."""

from __future__ import annotations

import json
from typing import Any

import pytest

from bastion import Bastion, Request, Response, Settings, forms
from bastion.forms.json import InvalidInput, validate_json
from bastion.http.exceptions import BadRequest, UnsupportedMediaType
from bastion.http.response import JSONResponse
from bastion.routing import path
from bastion.testing import Client


class ItemForm(forms.Form):
    name = forms.CharField(max_length=10)
    quantity = forms.IntegerField(min_value=1)
    tags = forms.MultipleChoiceField(choices=["a", "b"], required=False)
    meta = forms.JSONField(required=False, max_length=50)
    when = forms.DateTimeField(required=False)

    def clean_name(self) -> str:
        return str(self.cleaned_data["name"]).upper()


class FakeRequest:
    def __init__(self, payload: Any) -> None:
        self.payload = payload

    def json(self) -> Any:
        return self.payload


def errors_of(payload: Any, schema: Any = ItemForm) -> dict[str, list[str]]:
    with pytest.raises(InvalidInput) as info:
        validate_json(FakeRequest(payload), schema)
    assert info.value.status_code == 400
    return info.value.errors


def test_valid_object_gives_cleaned_data() -> None:
    data = validate_json(
        FakeRequest({"name": "pen", "quantity": 2, "tags": ["a"], "meta": {"k": [1]}}), ItemForm
    )
    assert data == {"name": "PEN", "quantity": 2, "tags": ["a"], "meta": {"k": [1]}, "when": None}


def test_undeclared_keys_are_ignored() -> None:
    data = validate_json(FakeRequest({"name": "a", "quantity": 1, "is_staff": True}), ItemForm)
    assert "is_staff" not in data


def test_wrong_types_are_field_errors() -> None:
    errors = errors_of({"name": 5, "quantity": "many", "tags": "a,b", "when": 3})
    assert errors == {
        "name": ["Enter text."],
        "quantity": ["Enter a whole number."],
        "tags": ["Select a valid choice. That choice is not one of the available choices."],
        "when": ["Enter a valid date and time."],
    }


def test_json_values_are_size_limited_too() -> None:
    errors = errors_of({"name": "a", "quantity": 1, "meta": {"k": "x" * 100}})
    assert list(errors) == ["meta"]


@pytest.mark.parametrize("payload", [[1, 2], "text", 3, None])
def test_the_body_must_be_an_object(payload: Any) -> None:
    assert errors_of(payload) == {"__all__": ["Send a JSON object."]}


def test_a_mapping_of_fields_works_as_a_schema() -> None:
    schema = {"q": forms.CharField(max_length=3)}
    assert validate_json(FakeRequest({"q": "abc"}), schema) == {"q": "abc"}
    assert errors_of({"q": "abcd"}, schema) == {
        "q": ["Ensure this value has at most 3 characters (it has 4)."]
    }


def test_invalid_input_is_a_bad_request_with_a_json_response() -> None:
    exc = InvalidInput({"name": ["This field is required."]})
    assert isinstance(exc, BadRequest)
    assert "name: This field is required." in exc.detail
    response = exc.get_response()
    assert isinstance(response, JSONResponse)
    assert response.status_code == 400
    assert json.loads(response.body) == {"errors": {"name": ["This field is required."]}}


def make_app() -> Bastion:
    def create(request: Request) -> Response:
        try:
            data = validate_json(request, ItemForm)
        except InvalidInput as exc:
            return exc.get_response()
        return JSONResponse({"name": data["name"]}, status=201)

    settings = Settings(DEBUG=True, SECRET_KEY="test-only-key-for-debug-settings")
    return Bastion(settings, routes=[path("items/", create, methods=["POST"])])


def test_end_to_end_through_the_application() -> None:
    client = Client(make_app())
    ok = client.post("/items/", json={"name": "pen", "quantity": 1})
    assert ok.status_code == 201
    bad = client.post("/items/", json={"name": "", "quantity": 0})
    assert bad.status_code == 400
    assert bad.json() == {
        "errors": {
            "name": ["This field is required."],
            "quantity": ["Ensure this value is greater than or equal to 1."],
        }
    }


def test_non_json_and_broken_json_bodies_are_refused() -> None:
    from bastion.http.body import BodyReader

    def request(body: bytes, content_type: str) -> Request:
        import io

        stream = io.BytesIO(body)
        return Request(
            settings=Settings(),
            method="POST",
            headers={"content-type": content_type},
            body=BodyReader(stream.read, content_length=len(body), max_size=None),
        )

    with pytest.raises(UnsupportedMediaType):
        validate_json(request(b"name=a", "application/x-www-form-urlencoded"), ItemForm)
    with pytest.raises(BadRequest):
        validate_json(request(b"{bad", "application/json"), ItemForm)
