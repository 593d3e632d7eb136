"""Manifest mapping and validation: every field mapped, every bad field named, nothing else."""

import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ansible_collections.acinaces.deploy.plugins.module_utils import _manifest as manifest
from ansible_collections.acinaces.deploy.plugins.module_utils._errors import ManifestError

from .manifest_outputs import valid_outputs

REQUIRED_OUTPUTS = sorted(field.output for field in manifest.ALL_FIELDS if field.required)
OPTIONAL_SCALAR_OUTPUTS = {field.output for field in manifest.SCALAR_FIELDS if not field.required}
FIELD_OF_OUTPUT = {output: field for field, output in manifest.DEFAULT_OUTPUT_MAP.items()}
SCALAR_OUTPUTS = [field.output for field in manifest.SCALAR_FIELDS]


def problems_of(outputs, environment="test", output_map=None):
    with pytest.raises(ManifestError) as caught:
        manifest.build(environment, outputs, output_map)
    return caught.value.details["problems"]


def get_path(document, dotted):
    for key in dotted.split("."):
        document = document[key]
    return document


def test_valid_outputs_map_to_every_field():
    outputs = valid_outputs()
    document = manifest.build("test", outputs)
    assert document["manifest_version"] == manifest.MANIFEST_VERSION
    assert document["environment"] == "test"
    for field, output in manifest.DEFAULT_OUTPUT_MAP.items():
        expected = outputs[output]
        if isinstance(expected, list):
            expected = sorted(expected)
        if field == "functions":
            expected = {name: dict(entry, secrets=sorted(entry["secrets"])) for name, entry in expected.items()}
        assert get_path(document, field) == expected, field


def test_the_manifest_carries_no_machine_specific_or_time_fields():
    document = manifest.build("test", valid_outputs())
    text = manifest.dumps(document)
    assert "generated" not in text and "/work/" not in text
    assert manifest.dumps(manifest.build("test", valid_outputs())) == text


@settings(max_examples=150, deadline=None)
@given(st.sets(st.sampled_from(REQUIRED_OUTPUTS), min_size=1))
def test_every_missing_required_output_is_named_once(missing):
    outputs = {key: value for key, value in valid_outputs().items() if key not in missing}
    problems = problems_of(outputs)
    assert sorted(problem["output"] for problem in problems) == sorted(missing)
    assert {problem["field"] for problem in problems} == {FIELD_OF_OUTPUT[output] for output in missing}
    assert all("missing" in problem["problem"] for problem in problems)


MALFORMED = st.one_of(
    st.integers(),
    st.just(""),
    st.just("   "),
    st.booleans(),
    st.lists(st.integers(), min_size=1, max_size=2),
    st.text(alphabet="!@ %^&*()<>?|", min_size=1, max_size=8),
)


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from(SCALAR_OUTPUTS), MALFORMED, min_size=1))
def test_every_malformed_scalar_output_is_named(corrupt):
    outputs = valid_outputs()
    outputs.update(corrupt)
    # An empty value of an optional output means the output is absent, not malformed.
    expected = {output for output, value in corrupt.items() if not (output in OPTIONAL_SCALAR_OUTPUTS and value == "")}
    if not expected:
        document = manifest.build("test", outputs)
        for output in corrupt:
            with pytest.raises(KeyError):
                get_path(document, FIELD_OF_OUTPUT[output])
        return
    assert {problem["output"] for problem in problems_of(outputs)} == expected


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(sorted(valid_outputs()["lambda_functions"])),
    st.sampled_from([attribute[0] for attribute in manifest.FUNCTION_ATTRIBUTES]),
    MALFORMED,
)
def test_a_malformed_function_attribute_is_named_with_its_function(logical, attribute, value):
    outputs = valid_outputs()
    outputs["lambda_functions"][logical][attribute] = value
    problems = problems_of(outputs)
    assert [problem["field"] for problem in problems] == ["functions.%s.%s" % (logical, attribute)]


@settings(max_examples=100, deadline=None)
@given(st.sampled_from(sorted(valid_outputs()["secret_arns"])), MALFORMED | st.just("arn:aws:kms:eu-central-1:123456789012:key/x"))
def test_a_bad_secret_arn_is_named_with_its_credential(credential, value):
    outputs = valid_outputs()
    outputs["secret_arns"][credential] = value
    assert [problem["field"] for problem in problems_of(outputs)] == ["secrets.%s" % credential]


def test_certificates_need_both_frontend_and_api():
    outputs = valid_outputs()
    del outputs["certificate_arns"]["api"]
    assert [problem["field"] for problem in problems_of(outputs)] == ["certificates.api"]


def test_a_function_reading_an_unknown_credential_is_refused():
    outputs = valid_outputs()
    outputs["lambda_functions"]["strategies"]["secrets"].append("mtgox")
    problems = problems_of(outputs)
    assert [problem["field"] for problem in problems] == ["functions.strategies.secrets"]
    assert "mtgox" in problems[0]["problem"]


def test_outputs_of_another_environment_are_refused():
    problems = problems_of(valid_outputs(), environment="production")
    assert [problem["field"] for problem in problems] == ["environment"]


def test_the_error_message_names_every_problem_and_the_fix():
    outputs = valid_outputs()
    del outputs["cloudfront_distribution_id"]
    outputs["region"] = "Mars"
    with pytest.raises(ManifestError) as caught:
        manifest.build("test", outputs)
    kwargs = caught.value.fail_kwargs()
    assert "2 problems" in kwargs["msg"]
    assert "cloudfront.distribution_id (output 'cloudfront_distribution_id'): missing" in kwargs["msg"]
    assert "region (output 'region'): \"Mars\" is not an AWS region" in kwargs["msg"]
    assert "previous manifest was kept" in kwargs["guidance"]


def test_output_map_renames_an_output():
    outputs = valid_outputs()
    outputs["cdn_id"] = outputs.pop("cloudfront_distribution_id")
    document = manifest.build("test", outputs, {"cloudfront.distribution_id": "cdn_id"})
    assert document["cloudfront"]["distribution_id"] == outputs["cdn_id"]


def test_output_map_refuses_unknown_fields():
    with pytest.raises(ManifestError) as caught:
        manifest.build("test", valid_outputs(), {"cloudfront.distribution": "cdn_id"})
    assert "cloudfront.distribution" in caught.value.message


@settings(max_examples=50, deadline=None)
@given(st.permutations(sorted(valid_outputs())))
def test_the_text_does_not_depend_on_output_order(order):
    outputs = valid_outputs()
    reordered = {key: copy.deepcopy(outputs[key]) for key in order}
    assert manifest.dumps(manifest.build("test", reordered)) == manifest.dumps(manifest.build("test", outputs))
    assert json.loads(manifest.dumps(manifest.build("test", reordered)))["manifest_version"] == 1
