"""Components: find a factory (``module:callable``, the user's module beside the spec first), build
it, and fingerprint it (package version and source hash) so a cell's key changes when it does.

A user's module travels with each cell as source text and is registered under its own name
before anything is built or unpickled, on the host and inside the sandbox alike."""

from __future__ import annotations

import hashlib
import importlib
import inspect
import linecache
import sys
import traceback
import types
from functools import cache
from importlib.metadata import PackageNotFoundError, packages_distributions, version
from pathlib import Path
from typing import Any

from tiltyard.errors import did_you_mean
from tiltyard.grid.spec import Component, GridError

PASSTHROUGH = "passthrough"
USER_VERSION = "local"


def user_module_sources(root: Path, factories: list[str]) -> dict[str, str]:
    """{module name: source} of the factories' modules that are files in ``root``."""
    sources = {}
    for factory in factories:
        module_name = factory.partition(":")[0]
        path = root / (module_name.replace(".", "/") + ".py")
        if factory != PASSTHROUGH and path.is_file():
            sources[module_name] = path.read_text(encoding="utf-8")
    return sources


def register_user_modules(sources: dict[str, str]) -> None:
    """Execute each user module's source as a module of that name (replacing an older one)."""
    for name, source in sources.items():
        current = sys.modules.get(name)
        if current is not None and getattr(current, "__grid_source__", None) == source:
            continue
        module = types.ModuleType(name)
        module.__file__ = f"<grid module {name}>"
        module.__grid_source__ = source
        # inspect.getsource reads a component's own lines from here (its source hash).
        linecache.cache[module.__file__] = (len(source), None, source.splitlines(True), module.__file__)
        sys.modules[name] = module
        try:
            exec(compile(source, module.__file__, "exec"), module.__dict__)  # noqa: S102 - the grid owner's own code
        except Exception as error:  # noqa: BLE001 - any failure of the user's module is theirs to fix
            del sys.modules[name]
            # A SyntaxError names its line itself; a failure while running names the frame's line.
            lines = [f.lineno for f in traceback.extract_tb(error.__traceback__) if f.filename == module.__file__]
            raise GridError(f"The module {name!r} beside the spec does not import",
                            expected=f"{name}.py that Python can run",
                            got=f"{type(error).__name__}: {error}" + (f" (line {lines[-1]})" if lines else ""),
                            hint=f"run `python -c 'import {name}'` in the spec's folder and fix what it says"
                            ) from error


def resolve_factory(factory: str, *, where: str) -> Any:
    """The callable named by ``module:callable``; GridError saying what to do if it is not there."""
    module_name, colon, attribute = factory.partition(":")
    if not colon or not module_name or not attribute:
        raise GridError(f"{where}: the factory {factory!r} is not 'module:callable'",
                        expected="e.g. 'sklearn.linear_model:LogisticRegression' or 'my_module:make_model'",
                        got=repr(factory),
                        hint=f"write the module path, a colon, then the callable (or '{PASSTHROUGH}')")
    try:
        module = sys.modules.get(module_name) or importlib.import_module(module_name)
    except Exception as error:  # noqa: BLE001 - any failure to import is the user's to fix
        raise GridError(f"{where}: the module {module_name!r} does not import",
                        expected="an installed module, or a file NAME.py beside the spec",
                        got=f"{type(error).__name__}: {error}",
                        hint="check the spelling, install the package, or put the module beside the spec") from error
    target = getattr(module, attribute, None)
    if not callable(target):
        public = [name for name in dir(module) if not name.startswith("_")]
        raise GridError(f"{where}: {module_name} has no callable {attribute!r}", expected="a class or a function",
                        got=repr(factory),
                        hint=did_you_mean(attribute, public) or f"look in {module_name} for the name")
    return target


def keyword_parameters(factory: Any) -> list[str]:
    """The names ``factory`` can be called with as keywords (none if it has no signature)."""
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):
        return []
    return [p.name for p in signature.parameters.values() if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)]


def accepts(factory: Any, parameter: str) -> bool:
    """Whether calling ``factory`` can take ``parameter`` as a keyword."""
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):
        return False
    return any(p.name == parameter and p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY) or p.kind is p.VAR_KEYWORD
               for p in signature.parameters.values())


def build(component: Component, *, where: str, extra: dict[str, Any] | None = None,
          max_trials: int | None = None) -> Any:
    """Call the component's factory with its params (plus slot components and max_trials)."""
    if component.factory == PASSTHROUGH:
        return PASSTHROUGH
    factory = resolve_factory(component.factory, where=where)
    arguments = {**component.params, **(extra or {})}
    if max_trials is not None and "max_trials" not in arguments and accepts(factory, "max_trials"):
        arguments["max_trials"] = max_trials
    try:
        return factory(**arguments)
    except Exception as error:  # noqa: BLE001 - a factory that cannot be called is the user's to fix
        raise GridError(f"{where}: calling {component.factory} failed",
                        expected=f"a factory that accepts the params {sorted(arguments)}",
                        got=f"{type(error).__name__}: {error}", hint="fix the params or the factory") from error


def check_estimator_like(built: Any, *, where: str, final: bool) -> None:
    """A pipeline step must fit and transform; the last one must fit and predict."""
    if built == PASSTHROUGH:
        if final:
            raise GridError(f"{where}: the last step of the pipeline cannot be '{PASSTHROUGH}'",
                            expected="an estimator with fit and predict", got=PASSTHROUGH,
                            hint="put a model last in compose")
        return
    needed = ["fit", "predict"] if final else ["fit", "transform"]
    missing = [name for name in needed if not callable(getattr(built, name, None))]
    if missing:
        role = "a model (the last step)" if final else "a pipeline step before the model"
        raise GridError(f"{where}: the factory did not return a scikit-learn estimator",
                        expected=f"{role}, with methods {' and '.join(needed)}",
                        got=f"{type(built).__name__}, which has no {' or '.join(missing)}",
                        hint="return an unfitted estimator (a class instance such as StandardScaler())")


def fingerprint(component: Component, user_sources: dict[str, str]) -> dict[str, Any]:
    """What determines a component: its import path, params, package version and source hash."""
    if component.factory == PASSTHROUGH:
        return {"factory": PASSTHROUGH}
    module_name = component.factory.partition(":")[0]
    factory = resolve_factory(component.factory, where=component.factory)
    package_version = USER_VERSION if module_name in user_sources else _package_version(module_name.split(".")[0])
    return {"factory": component.factory, "params": component.params, "version": package_version,
            "source": source_hash(factory)}


@cache
def _package_version(top_level: str) -> str:
    for distribution in packages_distributions().get(top_level, []):
        try:
            return version(distribution)
        except PackageNotFoundError:
            continue
    return "unknown"


def source_hash(target: Any) -> str:
    """sha256 of the callable's source and of the definitions of its own module that it names or
    inherits from (helpers and base classes edited beside a component change its hash; other
    components' edits do not)."""
    digest = hashlib.sha256()
    for text in _sources(target, set()):
        digest.update(text.encode())
    return digest.hexdigest()


def _sources(target: Any, seen: set[str]) -> list[str]:
    name = getattr(target, "__qualname__", repr(target))
    if name in seen:
        return []
    seen.add(name)
    try:
        texts = [inspect.getsource(target)]
    except (OSError, TypeError):
        module = sys.modules.get(getattr(target, "__module__", "") or "")
        text = getattr(module, "__grid_source__", None)
        return [text or f"{getattr(target, '__module__', '')}:{name}"]
    module = sys.modules.get(getattr(target, "__module__", "") or "")
    used = [getattr(module, referenced, None) for referenced in sorted(_names_used(target))]
    # A class's own base classes count too: a subclass inherits what fit and predict do.
    bases = list(target.__bases__) if inspect.isclass(target) else []
    for value in [*bases, *used]:
        if (inspect.isfunction(value) or inspect.isclass(value)) and value.__module__ == target.__module__:
            texts += _sources(value, seen)
    return texts


def _names_used(target: Any) -> set[str]:
    codes = [target.__code__] if inspect.isfunction(target) else [
        member.__code__ for member in vars(target).values() if inspect.isfunction(member)] if inspect.isclass(target) \
        else []
    names: set[str] = set()
    while codes:
        code = codes.pop()
        names.update(code.co_names)
        codes += [const for const in code.co_consts if isinstance(const, types.CodeType)]
    return names
