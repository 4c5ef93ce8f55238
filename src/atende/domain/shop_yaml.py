"""The shop file as YAML text: read (every problem said with where it is) and written.

YAML 1.1 reads ``12:00`` as the number 720 (base 60); in a shop file every such value is
a time of day, so it is read as the text it is. Nothing but plain data is loaded
(``safe_load``'s rules: no tags that build objects).
"""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import ValidationError
from yaml.nodes import Node, ScalarNode

from atende.domain.shopfile import ShopDoc, ShopFile, problems
from atende.errors import InvalidInput

MAX_BYTES = 1_000_000
HEADER = (
    "# atende shop file: `atende shop import SLUG FILE` makes the shop what it says\n"
    "# (the same file twice changes nothing; services and resources left out are removed).\n"
    "# hours: 'seg: 08:00-18:00, almoço 12:00-13:00' or 'fechado'; prices in reais;\n"
    "# by_size: sizes mini, pequeno, medio, grande, gigante; coats curto, longo.\n"
)


class _Loader(yaml.SafeLoader):
    pass


def _int(loader: _Loader, node: Node) -> Any:
    assert isinstance(node, ScalarNode)  # the int and float tags are scalars
    value = loader.construct_scalar(node)
    if isinstance(value, str) and ":" in value:
        return value  # '12:00' is a time, not 720
    return loader.construct_yaml_int(node)


def _float(loader: _Loader, node: Node) -> Any:
    assert isinstance(node, ScalarNode)
    value = loader.construct_scalar(node)
    if isinstance(value, str) and ":" in value:
        return value
    return loader.construct_yaml_float(node)


_Loader.add_constructor("tag:yaml.org,2002:int", _int)
_Loader.add_constructor("tag:yaml.org,2002:float", _float)


def load(text: str) -> ShopFile:
    """The validated shop file; ``InvalidInput`` listing every problem, each with where
    it is (``services[2].price: …``), when there is any."""
    if len(text.encode()) > MAX_BYTES:
        raise InvalidInput(f"the shop file is larger than {MAX_BYTES // 1000} kB")
    try:
        data = yaml.load(text, Loader=_Loader)  # a SafeLoader: plain data only
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark else ""
        raise InvalidInput(f"not valid YAML{where}: {getattr(exc, 'problem', exc)}") from None
    if not isinstance(data, dict):
        raise InvalidInput("the shop file must be a mapping with shop:, services:, hours:…")
    try:
        return ShopFile.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput("\n".join(problems(exc))) from None


def dump(data: ShopDoc) -> str:
    body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=False)
    return HEADER + body
