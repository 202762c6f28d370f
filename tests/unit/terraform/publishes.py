"""Which Pub/Sub topics each component's code publishes to, read from the code itself (AST).

Every publish names its topic as `f"projects/{project}/topics/{X}"`, so every f-string with a
`/topics/` part is a publish (subscriptions are pushes: no code subscribes). `X` is resolved
statically: a module constant (followed through `from m import NAME`), or a call of a function
returning an f-string of its argument, whose argument's values are declared in CALL_DOMAINS.
Anything else fails loudly instead of being skipped. A component's code is its folder plus
every shared_lib module it imports, transitively (lazy imports inside functions included).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tests.unit.terraform.hcl import ROOT

SHARED_LIB = ROOT / "shared_lib" / "shared_lib"
# (module, function) -> the module constant listing the values its argument takes.
CALL_DOMAINS = {("shared_lib.contracts.topics", "agent_step"): "AGENT_STEPS"}


class Unresolved(Exception):
    """A topic expression the check cannot read: teach it (CALL_DOMAINS) rather than skip it."""


@dataclass(frozen=True)
class Publish:
    topic: str
    where: str  # path:line


def component_dir(component: str) -> Path:
    return (
        ROOT / component
        if (ROOT / component).is_dir() and component == "websocket_relay"
        else ROOT / "functions" / component
    )


@cache
def _parse(path: Path) -> ast.Module:
    return ast.parse(path.read_text(), filename=str(path))


def _module_name(path: Path, base: Path) -> str:
    parts = list(path.relative_to(base).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _shared_lib_file(module: str) -> Path | None:
    if not module.startswith("shared_lib."):
        return None
    relative = Path(*module.split(".")[1:])
    for candidate in (SHARED_LIB / relative.with_suffix(".py"), SHARED_LIB / relative / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def _imports(tree: ast.Module) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)  # `from pkg import submodule`
    return found


def modules_of(component: str) -> dict[str, Path]:
    """Dotted module name -> file, for the component's own code and the shared_lib it reaches."""
    base = component_dir(component)
    found = {_module_name(p, base): p for p in base.rglob("*.py") if "static" not in p.parts}
    pending = list(found.values())
    while pending:
        for name in _imports(_parse(pending.pop())):
            path = _shared_lib_file(name)
            if path and name not in found and path not in found.values():
                found[_module_name(path, SHARED_LIB.parent)] = path
                pending.append(path)
    return found


class _Resolver:
    def __init__(self, modules: dict[str, Path]):
        self.modules = modules

    def _definitions(
        self, module: str
    ) -> tuple[dict[str, ast.expr], dict[str, tuple[str, str]], dict[str, ast.FunctionDef]]:
        tree = _parse(self.modules[module])
        constants, imported, functions = {}, {}, {}
        for node in tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                constants[node.targets[0].id] = node.value
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
                constants[node.target.id] = node.value
            elif isinstance(node, ast.ImportFrom) and node.module:
                for alias in node.names:
                    imported[alias.asname or alias.name] = (node.module, alias.name)
            elif isinstance(node, ast.FunctionDef):
                functions[node.name] = node
        return constants, imported, functions

    def _locate(self, module: str, name: str, where: str) -> tuple[str, str]:
        """Follow `from m import name` to the module that defines `name`."""
        constants, imported, functions = self._definitions(module)
        if name in constants or name in functions:
            return module, name
        if name in imported and imported[name][0] in self.modules:
            return self._locate(*imported[name], where)
        raise Unresolved(f"{where}: cannot find {name!r} from {module}")

    def strings(self, module: str, node: ast.expr, where: str) -> set[str]:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return {node.value}
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            return set().union(*(self.strings(module, item, where) for item in node.elts))
        if isinstance(node, ast.Name):
            owner, name = self._locate(module, node.id, where)
            return self.strings(owner, self._definitions(owner)[0][name], where)
        if isinstance(node, ast.Attribute):  # `topics.NAME`, the module imported by name
            owner = self._module_named(module, node.value, where)
            return self.strings(owner, self._definitions(owner)[0][node.attr], where)
        if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
            if isinstance(node.func, ast.Attribute):
                owner, name = self._module_named(module, node.func.value, where), node.func.attr
            else:
                owner, name = self._locate(module, node.func.id, where)
            if (owner, name) not in CALL_DOMAINS:
                raise Unresolved(
                    f"{where}: {owner}.{name}(...) names a topic; declare its argument's values in CALL_DOMAINS"
                )
            function = self._definitions(owner)[2][name]
            returned = [n.value for n in ast.walk(function) if isinstance(n, ast.Return)]
            domain = self.strings(owner, self._definitions(owner)[0][CALL_DOMAINS[owner, name]], where)
            parameter = function.args.args[0].arg
            return {self._format(returned[0], {parameter: value}, where) for value in domain}
        raise Unresolved(f"{where}: cannot read the topic from {ast.unparse(node)!r}")

    def _module_named(self, module: str, node: ast.expr, where: str) -> str:
        """The module a name stands for (`from shared_lib.contracts import topics`)."""
        imported = self._definitions(module)[1]
        if isinstance(node, ast.Name) and node.id in imported and ".".join(imported[node.id]) in self.modules:
            return ".".join(imported[node.id])
        raise Unresolved(f"{where}: cannot read the module of {ast.unparse(node)!r}")

    def _format(self, node: ast.expr, values: dict[str, str], where: str) -> str:
        if not isinstance(node, ast.JoinedStr):
            raise Unresolved(f"{where}: expected an f-string, got {ast.unparse(node)!r}")
        out = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                out.append(part.value)
            elif isinstance(part.value, ast.Name) and part.value.id in values:
                out.append(values[part.value.id])
            else:
                raise Unresolved(f"{where}: cannot format {ast.unparse(part)!r}")
        return "".join(out)


def _enclosing_functions(tree: ast.Module) -> dict[ast.AST, ast.FunctionDef]:
    """Node -> the innermost function around it (ast.walk is breadth-first: inner ones come later)."""
    owner: dict[ast.AST, ast.FunctionDef] = {}
    for function in [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]:
        for node in ast.walk(function):
            if node is not function:
                owner[node] = function
    return owner


def _called_names(node: ast.AST) -> set[str]:
    return {
        n.func.id if isinstance(n.func, ast.Name) else n.func.attr
        for n in ast.walk(node)
        if isinstance(n, ast.Call) and isinstance(n.func, (ast.Name, ast.Attribute))
    }


def _sites(modules: dict[str, Path]) -> tuple[list[tuple[str, ast.AST, Publish]], dict[tuple[str, str], int]]:
    """Every topic path formatted in these modules, as (module, top-level definition, Publish);
    and the helpers that format one from their own parameter (resolved at their call sites)."""
    resolver = _Resolver(modules)
    sites, helpers = [], {}
    for module, path in sorted(modules.items()):
        tree = _parse(path)
        owners = _enclosing_functions(tree)
        for top in tree.body:
            for node in ast.walk(top):
                if not isinstance(node, ast.JoinedStr):
                    continue
                parts = node.values
                for index, part in enumerate(parts[:-1]):
                    if not (isinstance(part, ast.Constant) and str(part.value).endswith("/topics/")):
                        continue
                    topic = parts[index + 1]
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    if not isinstance(topic, ast.FormattedValue) or index + 2 != len(parts):
                        raise Unresolved(f"{where}: a topic path that does not end with the topic")
                    function = owners.get(node)
                    parameters = [a.arg for a in function.args.args] if function else []
                    if isinstance(topic.value, ast.Name) and topic.value.id in parameters:
                        helpers[module, function.name] = parameters.index(topic.value.id)
                        continue
                    sites += [
                        (module, top, Publish(t, where)) for t in sorted(resolver.strings(module, topic.value, where))
                    ]
    for module, path in sorted(modules.items()):
        for top in _parse(path).body:
            for node in ast.walk(top):
                if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
                    name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
                    for (_, helper), position in helpers.items():
                        if name == helper and position < len(node.args):
                            where = f"{path.relative_to(ROOT)}:{node.lineno}"
                            sites += [
                                (module, top, Publish(t, where))
                                for t in sorted(resolver.strings(module, node.args[position], where))
                            ]
    return sites, helpers


def publishes(component: str) -> list[Publish]:
    """Every (topic, site) the component's code publishes to: sites in its own folder, and
    sites in shared_lib functions its own code calls (directly or through other shared_lib
    functions). Importing shared_lib.events to parse events does not make the relay a
    publisher; calling publish_client_event makes chat one."""
    modules = modules_of(component)
    sites, _ = _sites(modules)
    own = [m for m in modules if not m.startswith("shared_lib.")]
    found = [publish for module, _, publish in sites if module in own]
    # shared_lib top-level function name -> what publishing it (transitively) does
    publishers: dict[str, list[Publish]] = {}
    for module, top, publish in sites:
        if module.startswith("shared_lib.") and isinstance(top, (ast.FunctionDef, ast.AsyncFunctionDef)):
            publishers.setdefault(top.name, []).append(publish)
    shared_tops = [
        top
        for m in modules
        if m.startswith("shared_lib.")
        for top in _parse(modules[m]).body
        if isinstance(top, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    ]
    while True:
        grown = False
        for top in shared_tops:
            inherited = [
                p for name in _called_names(top) & set(publishers) if name != top.name for p in publishers[name]
            ]
            known = publishers.setdefault(top.name, [])
            new = [p for p in inherited if p not in known]
            if new:
                known += new
                grown = True
        if not grown:
            break
    called = set().union(*(_called_names(_parse(modules[m])) for m in own))
    found += [p for name in sorted(called & set(publishers)) for p in publishers[name]]
    return sorted(set(found), key=lambda p: (p.topic, p.where))
