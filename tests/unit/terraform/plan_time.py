"""Are `for_each` keys known at plan time? (Offline: no terraform binary.)

On an empty state every resource attribute (an email, an id, a URL) is unknown until apply,
and `for_each` refuses keys that are unknown. Values may be unknown; keys may not. So each
`for_each` is traced through locals, module variables (to the argument the platform passes),
and module outputs, keeping apart what decides the keys of a map built by a `for`
(collection, key, condition) from what only fills its values. A key that depends on a
resource, data source or another module's computed output is reported.
"""

from __future__ import annotations

import re
from pathlib import Path

from tests.unit.terraform.hcl import blocks, locals_of, module_calls

_COMPUTED = re.compile(r"(?<![\w.])(?:(google_[a-z0-9_]+\.[a-z0-9_]+)|(data\.[a-z0-9_]+\.[a-z0-9_]+))")
_MODULE_OUTPUT = re.compile(r"(?<![\w.])module\.([a-z0-9_]+)\.([a-z0-9_]+)")
_VAR = re.compile(r"(?<![\w.])var\.([a-z0-9_]+)")
_LOCAL = re.compile(r"(?<![\w.])local\.([a-z0-9_]+)")


def _strip(expression) -> str:
    text = expression if isinstance(expression, str) else repr(expression)
    return text[2:-1].strip() if text.startswith("${") and text.endswith("}") else text


def _top_level_split(body: str) -> list[tuple[str, int]]:
    """Positions of the top-level separators of a `for` body: ' in ', ':', '=>', ' if '."""
    found, stack, index = [], [], 0
    while index < len(body):
        char = body[index]
        mode = stack[-1] if stack else "code"
        if mode == "str":
            if char == "\\":
                index += 2
                continue
            if body.startswith("${", index):
                stack.append("}")
                index += 2
                continue
            if char == '"':
                stack.pop()
        elif char == '"':
            stack.append("str")
        elif char in "([{":
            stack.append({"(": ")", "[": "]", "{": "}"}[char])
        elif stack and char == stack[-1]:
            stack.pop()
        elif not stack:
            for separator in (" in ", "=>", " if ", ":"):
                if body.startswith(separator, index):
                    found.append((separator, index))
                    index += len(separator) - 1
                    break
        index += 1
    return found


def for_parts(expression: str) -> dict[str, str] | None:
    """{collection, key, condition} of `{for ... in C : K => V if X}`, or None if not a for-map."""
    text = _strip(expression)
    if not (text.startswith("{for ") and text.endswith("}")):
        return None
    body = text[1:-1]
    separators = _top_level_split(body)
    kinds = [s for s, _ in separators]
    if kinds[:3] != [" in ", ":", "=>"]:
        return None
    (_, at_in), (_, at_colon), (_, at_arrow) = separators[:3]
    at_if = next((i for s, i in separators[3:] if s == " if "), None)
    return {
        "collection": body[at_in + 4 : at_colon],
        "key": body[at_colon + 1 : at_arrow],
        "condition": body[at_if + 4 :] if at_if is not None else "",
    }


class PlanTime:
    def __init__(self, modules: Path):
        self.modules = modules
        self.calls = module_calls(modules / "platform")

    def _locals(self, module: str) -> dict:
        return locals_of(self.modules / module)

    def _caller_argument(self, module: str, variable: str) -> tuple[str, str] | None:
        """(context, expression) the variable gets; platform variables come from the roots: known."""
        if module == "platform":
            return None
        for call in self.calls.values():
            if (self.modules / "platform" / call["source"]).resolve() == (self.modules / module).resolve():
                return "platform", call.get(variable, "")
        return None

    def computed(self, module: str, expression, seen: frozenset = frozenset()) -> set[str]:
        """Everything computed that the whole expression depends on."""
        text = _strip(expression)
        found = {m.group(0) for m in _COMPUTED.finditer(text)}
        for name in _LOCAL.findall(text):
            if (module, "local", name) not in seen and name in self._locals(module):
                found |= self.computed(module, self._locals(module)[name], seen | {(module, "local", name)})
        for name in _VAR.findall(text):
            argument = self._caller_argument(module, name)
            if argument and (module, "var", name) not in seen:
                found |= {f"var.{name} <- {c}" for c in self.computed(*argument, seen | {(module, "var", name)})}
        for target, output in _MODULE_OUTPUT.findall(text):
            value = blocks(self.modules / target, "output").get(output, {}).get("value", "")
            if self.computed(target, value, seen):
                found.add(f"module.{target}.{output}")
        return found

    def keys_computed(self, module: str, expression, seen: frozenset = frozenset()) -> set[str]:
        """What the keys (of a map) or elements (of a set) of the expression depend on."""
        text = _strip(expression)
        single = re.fullmatch(r"(var|local)\.([a-z0-9_]+)", text)
        if single and single.group(1) == "local" and single.group(2) in self._locals(module):
            return self.keys_computed(module, self._locals(module)[single.group(2)], seen)
        if single and single.group(1) == "var":
            argument = self._caller_argument(module, single.group(2))
            if not argument:
                return set()
            context, passed = argument
            output = re.fullmatch(r"module\.([a-z0-9_]+)\.([a-z0-9_]+)", _strip(passed))
            if output:
                value = blocks(self.modules / output.group(1), "output").get(output.group(2), {}).get("value", "")
                return {f"var.{single.group(2)} <- {c}" for c in self.keys_computed(output.group(1), value, seen)}
            return {f"var.{single.group(2)} <- {c}" for c in self.keys_computed(context, passed, seen)}
        parts = for_parts(text)
        if parts:
            return (
                self.keys_computed(module, parts["collection"].strip(), seen)
                | self.computed(module, parts["key"], seen)
                | self.computed(module, parts["condition"], seen)
            )
        return self.computed(module, text, seen)

    def unknown_keys(self) -> list[str]:
        problems = []
        for folder in sorted(p for p in self.modules.iterdir() if p.is_dir()):
            for kind in ("resource", "data", "module"):
                for name, body in blocks(folder, kind).items():
                    if "for_each" in body:
                        culprits = self.keys_computed(folder.name, body["for_each"])
                        if culprits:
                            problems.append(f"{folder.name}: {name} for_each keys depend on {sorted(culprits)}")
        return problems
