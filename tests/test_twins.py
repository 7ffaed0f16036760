"""Every page with a JSON twin answers both from one view (`workbench.web.twins`)."""

from workbench.web.twins import Answer, twin

# POSTs whose twin does something else than its page, not just answer otherwise: the JSON
# import can wait for the job (`?wait=1`); the JSON login opens no page.
OWN_FUNCTIONS = {"imports.upload_post_json", "auth.login_json"}


def test_json_twins_come_from_the_helper(app):
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    pages = {endpoint.removesuffix("_page") for endpoint in rules}
    twins = [endpoint for endpoint, rule in rules.items()
             if rule.rule.endswith(".json") and endpoint.endswith("_json")
             and endpoint.removesuffix("_json") in pages and endpoint not in OWN_FUNCTIONS]
    assert len(twins) >= 12
    for endpoint in twins:
        view = app.view_functions[endpoint]
        assert hasattr(view, "__wrapped__"), f"{endpoint} is a hand-written JSON twin"


def test_a_twin_answers_the_page_and_its_json_from_one_call(app):
    from flask import Blueprint

    calls = []
    bp = Blueprint("example", __name__)

    @twin(bp, "/example", endpoint="example")
    def example() -> Answer:
        """An example."""
        calls.append(1)
        return Answer(data={"answer": 42}, template="error.html",
                      context=lambda: {"error": None, "status": 200}, json_status=201)

    app.register_blueprint(bp)
    client = app.test_client()
    assert client.get("/example.json").get_json() == {"answer": 42}
    assert client.get("/example.json").status_code == 201
    assert client.get("/example").status_code == 200
    assert len(calls) == 3
