"""Issue 15: the OpenAPI document and the API's checks come from one declaration
(web/api/registry.py `register`): what the document says a route takes is what the route
refuses otherwise, and in tests every answer is checked against what the document says the
route answers, so the two cannot drift apart."""

import pytest
from flask import Blueprint, jsonify

from web.api import registry

from .conftest import open_items


def test_the_document_declares_every_status_a_route_answers(client, world, api_key):
    doc = client.get("/api/v1/openapi.json").json
    complete = doc["paths"]["/api/v1/work-items/{item_id}/complete"]["post"]
    assert {"200", "400", "401", "403", "404", "409", "422", "503"} <= set(complete["responses"])
    (item_id,) = [p for p in complete["parameters"] if p["name"] == "item_id"]
    assert item_id["schema"] == {"type": "integer", "minimum": 0, "maximum": 2**31 - 1}
    kind = [p for p in doc["paths"]["/api/v1/children/{child_id}/record/{kind}"]["post"]
            ["parameters"] if p["name"] == "kind"]
    assert kind == [{"name": "kind", "in": "path", "required": True,
                     "schema": {"enum": ["legal_status", "placement", "allocation"]}}]


def test_requests_are_refused_by_the_schema_the_document_shows(client, world, api_key,
                                                               session):
    headers = api_key(world.police_org, "police")
    item = open_items(session, role="police")[0]
    # expected_revision is declared an integer: a string is refused before the command
    response = client.post(f"/api/v1/work-items/{item.id}/complete", headers=headers,
                           json={"data": {}, "expected_revision": "one"})
    assert response.status_code == 422
    assert [e["field"] for e in response.json["errors"]] == ["expected_revision"]
    response = client.get("/api/v1/work-items?scope=everyone", headers=headers)
    assert response.status_code == 422 and response.json["errors"][0]["field"] == "scope"
    response = client.post(f"/api/v1/children/{world.child.id}/record/shoe_size",
                           headers=headers, json={"values": {}})
    assert response.status_code == 422 and response.json["errors"][0]["field"] == "kind"


@pytest.fixture
def drifting(app):
    """A route whose code has drifted from its declaration, registered for this test."""
    bp = Blueprint("drift", __name__, url_prefix="/api/drift")
    count = len(registry.OPERATIONS)

    @registry.register(bp, "/thing", "GET", "Declared to give an integer id",
                       response={"type": "object", "required": ["id"],
                                 "properties": {"id": {"type": "integer"}}})
    def drifting_thing():
        return jsonify({"id": "not an integer"})

    @registry.register(bp, "/teapot", "GET", "Declared to give 200")
    def drifting_teapot():
        return jsonify({}), 418

    app.register_blueprint(bp)
    yield app
    del registry.OPERATIONS[count:]


def test_in_tests_an_answer_the_document_refuses_fails(drifting):
    client = drifting.test_client()
    with pytest.raises(AssertionError, match="body the document refuses"):
        client.get("/api/drift/thing")
    with pytest.raises(AssertionError, match="does not declare"):
        client.get("/api/drift/teapot")
