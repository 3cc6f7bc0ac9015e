"""Intrinsic functions resolved locally, short tags read as their long form."""

from __future__ import annotations

from typing import Any

import pytest

from stepstone.deploy import TemplateError
from stepstone.deploy.intrinsics import Context, Resolver
from stepstone.deploy.substitute import placeholders, read_values, substitute
from stepstone.deploy.yaml_cfn import load_template

TEMPLATE = """
Parameters:
  Env: {Type: String, Default: prod}
  Zones: {Type: CommaDelimitedList, Default: "a,b"}
  Secret: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  NotProd: !Not [!Condition IsProd]
Mappings:
  Sizes: {prod: {Memory: 1024}}
Resources:
  Fn: {Type: AWS::Lambda::Function}
  Named: {Type: AWS::Serverless::Function, Properties: {FunctionName: !Sub "${Env}-named"}}
  Queue: {Type: AWS::SQS::Queue, Properties: {QueueName: jobs}}
  Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.0.0.0/16}}
  Topic: {Type: AWS::SNS::Topic}
"""


@pytest.fixture
def resolver() -> Resolver:
    return Resolver(load_template(TEMPLATE), Context(stack="my-stack", values={"Given": "g"}))


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ({"Fn::GetAtt": ["Fn", "Arn"]}, "arn:aws:lambda:us-east-1:123456789012:function:Fn"),
        ({"Fn::GetAtt": "Named.Arn"}, "arn:aws:lambda:us-east-1:123456789012:function:prod-named"),
        ({"Ref": "Queue"}, "https://sqs.us-east-1.amazonaws.com/123456789012/jobs"),
        ({"Fn::GetAtt": ["Queue", "Arn"]}, "arn:aws:sqs:us-east-1:123456789012:jobs"),
        ({"Ref": "Topic"}, "arn:aws:sns:us-east-1:123456789012:Topic"),
        ({"Fn::Sub": "${AWS::Partition}:${Env}:${Fn.Arn}:${!Kept}:${Given}"},
         "aws:prod:arn:aws:lambda:us-east-1:123456789012:function:Fn:${Kept}:g"),
        ({"Fn::Sub": ["${A}-${AWS::Region}", {"A": {"Ref": "Env"}}]}, "prod-us-east-1"),
        ({"Fn::Join": ["/", [{"Ref": "AWS::AccountId"}, "x", {"Ref": "Env"}]]}, "123456789012/x/prod"),
        ({"Fn::Select": [7, {"Fn::Split": ["-", {"Ref": "AWS::StackId"}]}]}, "00005e75e7c1"),
        ({"Fn::Select": [1, {"Ref": "Zones"}]}, "b"),
        ({"Fn::Select": [2, {"Fn::Cidr": [{"Fn::GetAtt": ["Vpc", "CidrBlock"]}, 4, 8]}]}, "10.0.2.0/24"),
        ({"Fn::If": ["IsProd", "big", "small"]}, "big"),
        ({"Fn::If": ["NotProd", "big", "small"]}, "small"),
        ({"Fn::FindInMap": ["Sizes", {"Ref": "Env"}, "Memory"]}, 1024),
        ({"a": {"Ref": "AWS::NoValue"}, "b": [1, {"Ref": "AWS::NoValue"}]}, {"b": [1]}),
        ({"Fn::Base64": "hi"}, "aGk="),
    ],
)  # fmt: skip
def test_resolves(resolver: Resolver, value: Any, expected: Any) -> None:
    assert resolver.resolve(value) == expected
    assert resolver.missing == set()


def test_what_cannot_be_known_is_a_placeholder_and_listed(resolver: Resolver) -> None:
    assert resolver.resolve({"Fn::Sub": "x-${Secret}"}) == "x-${Secret}"
    assert resolver.resolve({"Fn::ImportValue": "shared-vpc"}) == "${shared-vpc}"
    assert resolver.missing == {"Secret", "shared-vpc"}


def test_short_tags_are_the_long_form() -> None:
    doc = load_template("Resources:\n  A: {Type: T, Properties: {X: !GetAtt B.Arn, Y: !Ref C, Z: !Sub s}}\n")
    assert doc["Resources"]["A"]["Properties"] == {
        "X": {"Fn::GetAtt": ["B", "Arn"]}, "Y": {"Ref": "C"}, "Z": {"Fn::Sub": "s"},
    }  # fmt: skip
    assert load_template("AWSTemplateFormatVersion: 2010-09-09\nResources: {}\n")[
        "AWSTemplateFormatVersion"
    ] == ("2010-09-09")
    with pytest.raises(TemplateError):
        load_template("Bucket: !Sub %TOKEN%\nResources: {}\n")


def test_substitution_keeps_types_and_leaves_unknowns() -> None:
    definition = {"Seconds": "${S}", "Text": "in ${R} at ${S}", "Other": "${Unknown}"}
    assert substitute(definition, {"S": 5, "R": "eu"}) == {
        "Seconds": 5,
        "Text": "in eu at 5",
        "Other": "${Unknown}",
    }
    assert placeholders(substitute(definition, {"S": 5, "R": "eu"})) == {"Unknown"}
    with pytest.raises(TemplateError):
        read_values(["novalue"], [])
