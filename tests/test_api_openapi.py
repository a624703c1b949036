"""The published OpenAPI document describes each operation with its own schemas.

django-ninja files every schema under its class name in ``components/schemas``: two classes of the
same name overwrite each other silently, and an operation is then documented with another
operation's schema (the catalogue's procedure steps were documented as the case engine's current
step). These tests walk every operation of ``zhifa.api.api`` — a router added later is covered
without touching this file.
"""

from __future__ import annotations

import enum
import types
import typing
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from ninja.openapi.schema import REF_TEMPLATE, NinjaGenerateJsonSchema
from ninja.operation import Operation
from pydantic import BaseModel

from zhifa.api import api

REF_PREFIX = REF_TEMPLATE.split("{")[0]


def _operations() -> Iterator[Operation]:
    # The same walk as ninja's own document (``ninja.openapi.schema.OpenAPISchema.get_paths``).
    for bound_router in api._get_bound_routers():
        for path_view in bound_router.path_operations.values():
            for operation in path_view.operations:
                if operation.include_in_schema:
                    yield operation


def _types_in(annotation: Any) -> Iterator[type]:
    """The model and enum classes an annotation names, at any depth (lists, unions, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel | enum.Enum):
        yield annotation
        return
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        yield from _types_in(typing.get_args(annotation)[0])
        return
    if origin is not None or isinstance(annotation, types.UnionType):
        for argument in typing.get_args(annotation):
            yield from _types_in(argument)


def _classes_of(model: type[BaseModel], found: set[type]) -> None:
    for field in model.model_fields.values():
        for cls in _types_in(field.annotation):
            if cls in found:
                continue
            found.add(cls)
            if issubclass(cls, BaseModel):
                _classes_of(cls, found)


def _operation_models(operation: Operation) -> list[type[BaseModel]]:
    """The models ninja builds an operation's document from: its parameter and body models and a
    wrapper model per response status (each only holds the declared types in its fields)."""
    wrappers = [m for m in operation.response_models.values() if isinstance(m, type)]
    return [*operation.models, *wrappers]


def _component_names() -> set[str]:
    return set(api.get_openapi_schema()["components"]["schemas"])


def test_no_two_schema_classes_share_a_component_name() -> None:
    names: dict[str, set[type]] = defaultdict(set)
    for operation in _operations():
        found: set[type] = set()
        for model in _operation_models(operation):
            _classes_of(model, found)
        for cls in found:
            names[cls.__name__].add(cls)
    components = _component_names()
    shared = {
        name: sorted(f"{cls.__module__}.{cls.__qualname__}" for cls in classes)
        for name, classes in names.items()
        if len(classes) > 1 and name in components
    }
    assert shared == {}


def _resolved(schema: Any, definitions: dict[str, Any], depth: int = 0) -> Any:
    """``schema`` with every reference to a component replaced by the component itself."""
    assert depth < 50, "a schema refers to itself too deeply to compare"
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith(REF_PREFIX):
            target = _resolved(definitions[ref.removeprefix(REF_PREFIX)], definitions, depth + 1)
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            return {**target, **_resolved(rest, definitions, depth + 1)} if rest else target
        return {k: _resolved(v, definitions, depth + 1) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_resolved(item, definitions, depth + 1) for item in schema]
    return schema


def test_each_operation_is_documented_with_its_own_response_schemas() -> None:
    """Each declared response, resolved in the published document, is the schema its own declared
    class gives when generated alone."""
    document = api.get_openapi_schema()
    published = {
        details["operationId"]: details
        for methods in document["paths"].values()
        for details in methods.values()
    }
    components = document["components"]["schemas"]
    checked = 0
    for operation in _operations():
        details = published[api.get_openapi_operation_id(operation)]
        for status, model in operation.response_models.items():
            if not isinstance(model, type):
                continue
            own = model.model_json_schema(
                ref_template=REF_TEMPLATE,
                by_alias=operation.by_alias,
                schema_generator=NinjaGenerateJsonSchema,
                mode="serialization",
            )
            expected = _resolved(own["properties"]["response"], own.get("$defs", {}))
            (media,) = details["responses"][status]["content"].values()
            assert _resolved(media["schema"], components) == expected, (
                f"{details['operationId']} answers {status} with another schema than its own"
            )
            checked += 1
    assert checked > 100
