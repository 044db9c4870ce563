"""Read a Rasa 3.x project folder into typed objects; every error names file and line.

``Project.load(root)`` gives the domain, config, endpoints, credentials, NLU
data, stories, rules and test stories, stopping at the first problem.
``validate_project(root)`` reports every problem instead.
"""

from parley.project.config import ProjectConfig, load_config
from parley.project.credentials import load_credentials
from parley.project.domain import load_domain
from parley.project.endpoints import (
    ActionEndpointConfig,
    EndpointConfig,
    EndpointsConfig,
    LockStoreConfig,
    TrackerStoreConfig,
    load_endpoints,
    sqlalchemy_url,
)
from parley.project.errors import (
    MissingProjectFileError,
    SchemaError,
    UndefinedVariableError,
)
from parley.project.project import Project
from parley.project.validation import Problem, validate_project
from parley.yamlfile import Location, ProjectFileError

__all__ = [
    "ActionEndpointConfig",
    "EndpointConfig",
    "EndpointsConfig",
    "Location",
    "LockStoreConfig",
    "MissingProjectFileError",
    "Problem",
    "Project",
    "ProjectConfig",
    "ProjectFileError",
    "SchemaError",
    "TrackerStoreConfig",
    "UndefinedVariableError",
    "load_config",
    "load_credentials",
    "load_domain",
    "load_endpoints",
    "sqlalchemy_url",
    "validate_project",
]
