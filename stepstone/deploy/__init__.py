"""Templates in, state machines out: reading SAM and CloudFormation templates for `stepstone deploy`.

yaml_cfn       YAML with CloudFormation's short tags (!Sub, !Ref, !GetAtt, ...) or JSON -> dict
intrinsics     Fn::Sub / Ref / Fn::GetAtt / Fn::Join / ... resolved as far as they can be locally
template       the state machine resources of a template -> `MachineSpec`s ready to create
substitute     `${Name}` placeholders filled from --sub / --substitutions (deploy, validate, run)

TemplateError(ValueError)   the template cannot be read, or a state machine in it cannot be built
"""

from __future__ import annotations


class TemplateError(ValueError):
    """The template cannot be read, or a state machine in it cannot be built from what it says."""
