"""Build a function's archive as an ordered map of text files, and zip it deterministically."""

from __future__ import annotations

import ast
import base64
import contextlib
import functools
import hashlib
import importlib
import importlib.metadata
import importlib.util
import io
import json
import pickletools
import sys
import sysconfig
import types
import warnings
import zipfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from jaya_pulumi.dsl import BY_REFERENCE_RUNTIME, LAMBDA_PYTHON_RUNTIMES, AWSLambda, HandlerRef
from jaya_pulumi.errors import PackagingError
from jaya_pulumi.packaging._imports import dist_name, installed_distributions, unavailable_imports

__all__ = [
    "ENTRY_HANDLER",
    "LambdaArchive",
    "OldRuntimeWarning",
    "default_runtime",
    "package_function",
]

ENTRY_MODULE = "jaya_entry"
"""The module Lambda imports first; it loads the user's handler."""
ENTRY_HANDLER = f"{ENTRY_MODULE}.handler"
"""The Lambda ``handler`` setting of every function jaya_pulumi deploys."""
PICKLE_FILE = "jaya_handler.b64"
"""Where a by-value handler's pickle sits in the archive (base64 text)."""
_ZIP_DATE = (1980, 1, 1, 0, 0, 0)
_PACKAGE = Path(__file__).resolve().parent.parent
_STDLIB = Path(sysconfig.get_paths()["stdlib"]).resolve()
_SITE = tuple(
    Path(p).resolve() for key in ("purelib", "platlib") if (p := sysconfig.get_paths().get(key))
)

_ENTRY_TEMPLATE = '''\
"""Lambda entry point written by jaya_pulumi: loads the pipeline's handler once, then calls it."""

import importlib
import json
import os
import sys

SPEC = json.loads({spec!r})
_handler = None


def _load():
    if SPEC["mode"] == "reference":
        target = importlib.import_module(SPEC["module"])
        for part in SPEC["attr"].split("."):
            target = getattr(target, part)
        return target
    built = tuple(SPEC["python"] or sys.version_info[:2])
    if tuple(sys.version_info[:2]) != built:
        raise RuntimeError(
            "This function's handler was packaged by value (pickled) with Python %d.%d but runs "
            "on Python %d.%d; pickled code only loads on the same minor version. Redeploy with "
            "runtime='python%d.%d' or deploy from a Python %d.%d interpreter."
            % (built + tuple(sys.version_info[:2]) + built + tuple(sys.version_info[:2]))
        )
    import base64

    import dill

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), SPEC["file"])
    with open(path, "rb") as fh:
        return dill.loads(base64.b64decode(fh.read()))


def handler(event, context):
    """Called by AWS Lambda: load the user's handler on first use and pass the event on."""
    global _handler
    if _handler is None:
        _handler = _load()
    return _handler(event, context)
'''


def default_runtime() -> str:
    """The Lambda runtime that matches the deploying interpreter, e.g. ``python3.11``."""
    return f"python{sys.version_info.major}.{sys.version_info.minor}"


class OldRuntimeWarning(UserWarning):
    """A by-value handler is pinned to an old runtime because the deploying Python is old."""


def _by_value_runtime(function: AWSLambda, runtime: str) -> str:
    """Check the runtime of a handler that ships pickled: it must be the deploying interpreter's."""
    here = default_runtime()
    if runtime != here:
        raise PackagingError(
            f"The handler of {function.label} ships by value (pickled), and pickled code only "
            f"loads on the Python it was built with ({here}), not {runtime}. "
            f"Deploy from a {runtime} interpreter, drop runtime={runtime!r}, or move the "
            "handler into an importable module so it ships by reference."
        )
    if here not in LAMBDA_PYTHON_RUNTIMES:
        raise PackagingError(
            f"The handler of {function.label} ships by value (pickled), so it needs the Lambda "
            f"runtime of the deploying interpreter, {here}, which is not one of Lambda's current "
            f"Python runtimes ({', '.join(LAMBDA_PYTHON_RUNTIMES)}). Deploy from one of those, "
            "or move the handler into an importable module so it ships by reference "
            f"(on {BY_REFERENCE_RUNTIME})."
        )
    if sys.version_info[:2] <= (3, 11):
        info = LAMBDA_PYTHON_RUNTIMES[here]
        warnings.warn(
            f"The handler of {function.label} ships by value (pickled), so it runs on {here}, the "
            f"deploying interpreter's runtime: that runs on {info.operating_system} and Lambda "
            f"deprecates it on {info.deprecation}. Deploy from Python 3.12 or newer, or move the "
            "handler into an importable module so it ships by reference (on "
            f"{BY_REFERENCE_RUNTIME}, Amazon Linux 2023).",
            OldRuntimeWarning,
            stacklevel=3,
        )
    return runtime


@dataclass(frozen=True)
class LambdaArchive:
    """A function's code: text files by archive path, the handler setting and the runtime."""

    files: Mapping[str, str]
    """Archive path -> file text, sorted by path."""
    runtime: str
    """The Lambda runtime, e.g. ``python3.11``."""
    by_value: bool
    """True when the handler ships pickled (and dill is vendored)."""
    handler: str = ENTRY_HANDLER
    """The Lambda handler setting."""

    def to_zip(self) -> bytes:
        """The archive as zip bytes: same inputs, same bytes."""
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(self.files):
                info = zipfile.ZipInfo(path, date_time=_ZIP_DATE)
                info.external_attr = 0o644 << 16
                info.create_system = 3
                info.compress_type = zipfile.ZIP_DEFLATED
                zf.writestr(info, self.files[path].encode("utf-8"))
        return buffer.getvalue()

    @functools.cached_property
    def sha256(self) -> str:
        """Hex digest of the zip bytes; changes exactly when the code changes."""
        return hashlib.sha256(self.to_zip()).hexdigest()


def package_function(function: AWSLambda, runtime: str | None = None) -> LambdaArchive:
    """Build the archive for one function node.

    :param function: the function node.
    :param runtime: the Lambda runtime; defaults to the node's, then to ``python3.13`` for a
        handler that ships by module reference and to the interpreter's for one that ships by
        value (warning when that is ``python3.11`` or older).
    :raises PackagingError: the handler cannot be shipped as asked (the message says why).
    """
    runtime = runtime or function.runtime
    files: dict[str, str] = dict(_runtime_files())
    handler = function.handler
    if isinstance(handler, HandlerRef):
        target = _import_ref(function, handler.target)
        if handler.kwargs:
            handler_obj: Callable[..., Any] = functools.partial(target, **dict(handler.kwargs))
        else:
            handler_obj = target
    else:
        handler_obj = handler
    reference = _reference_of(handler_obj)
    hidden: list[str] = []
    if reference is not None:
        module, attr = reference
        module_files = _module_files(function, module)
        try:
            _check_imports(function, [module], {**files, **module_files})
        except PackagingError as refused:
            if isinstance(handler, HandlerRef):
                raise  # the user named the module: shipping something else would surprise
            hidden = [module]  # the module cannot ship: pickle the handler by value instead
            reason = str(refused).split(": ", 1)[-1].split(", which", 1)[0]
            warnings.warn(
                f"The handler of {function.label} ships by value (pickled), not by reference to "
                f"module {module!r}: {reason}, which Lambda lacks. Add the distribution to "
                "requirements=[...] or import it inside the function to ship by reference.",
                stacklevel=2,
            )
            reference = None
        else:
            _check_no_password_literals(function, module_files)
            files.update(module_files)
    if reference is not None:
        spec: dict[str, Any] = {"mode": "reference", "module": module, "attr": attr}
        by_value = False
        runtime = runtime or BY_REFERENCE_RUNTIME
    else:
        pickled, _referenced, extra = _pickle_shippable(function, handler_obj, hidden, files)
        built_with: list[int] | None = None
        if _holds_code(pickled):
            runtime = _by_value_runtime(function, runtime or default_runtime())
            built_with = list(sys.version_info[:2])
        else:  # only references and plain values: loads on any Python 3
            runtime = runtime or BY_REFERENCE_RUNTIME
        _check_no_password_literals(function, extra)
        files[PICKLE_FILE] = base64.b64encode(pickled).decode("ascii") + "\n"
        files.update(_dill_files())
        files.update(extra)
        spec = {"mode": "value", "file": PICKLE_FILE, "python": built_with}
        by_value = True
    files[f"{ENTRY_MODULE}.py"] = _ENTRY_TEMPLATE.format(spec=json.dumps(spec, sort_keys=True))
    return LambdaArchive(dict(sorted(files.items())), runtime, by_value)


def _import_ref(function: AWSLambda, target: str) -> Callable[..., Any]:
    module_name, _, attr = target.partition(":")
    try:
        obj: Any = importlib.import_module(module_name)
        for part in attr.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError) as exc:
        raise PackagingError(
            f"The handler {target!r} of {function.label} cannot be imported: {exc}. "
            "Check the 'package.module:function' spelling and that the module is importable."
        ) from exc
    if not callable(obj):
        raise PackagingError(f"The handler {target!r} of {function.label} is not callable.")
    return obj  # type: ignore[no-any-return]


def _reference_of(handler: Callable[..., Any]) -> tuple[str, str] | None:
    """``(module, qualname)`` when the handler can be imported by name, else ``None``."""
    if not isinstance(handler, types.FunctionType):
        return None
    module, qualname = handler.__module__, handler.__qualname__
    if module in (None, "__main__") or "<" in qualname:
        return None
    try:
        obj: Any = importlib.import_module(module)
        for part in qualname.split("."):
            obj = getattr(obj, part)
    except (ImportError, AttributeError):
        return None
    return (module, qualname) if obj is handler else None


def _pickle_shippable(
    function: AWSLambda, handler: Callable[..., Any], hidden: list[str], files: Mapping[str, str]
) -> tuple[bytes, list[str], dict[str, str]]:
    """Pickle ``handler``; a user module it refers to that cannot ship is pickled by value too.

    Returns the pickle, the modules it imports when loaded, and their sources to ship.
    """
    hidden = list(hidden)
    while True:
        with _hidden_modules(hidden):
            pickled = _pickle(function, handler)
        referenced = sorted(_modules_referenced(pickled))
        extra: dict[str, str] = {}
        for module in referenced:
            extra.update(_module_files(function, module))
        unshippable = [
            m
            for m in referenced
            if m.split(".")[0] != "jaya_pulumi"
            and m not in hidden
            and _refused(function, m, files, extra)
        ]
        if not unshippable:
            _check_imports(function, referenced, {**files, **extra})
            return pickled, referenced, extra
        for module in unshippable:
            warnings.warn(
                f"The handler of {function.label} ships module {module!r}'s functions by value "
                f"(pickled): {module!r} imports what Lambda lacks, so it cannot ship by reference.",
                stacklevel=3,
            )
        hidden += unshippable


def _refused(
    function: AWSLambda, module: str, files: Mapping[str, str], extra: Mapping[str, str]
) -> bool:
    """Whether ``module`` would fail to import inside Lambda."""
    try:
        _check_imports(function, [module], {**files, **extra})
    except PackagingError:
        return True
    return False


@contextlib.contextmanager
def _hidden_modules(names: list[str]) -> Iterator[None]:
    """While active, ``names`` cannot be imported, so dill pickles their functions by value."""
    saved = {name: sys.modules.get(name) for name in names}
    try:
        for name in names:
            sys.modules[name] = None  # type: ignore[assignment]
        yield
    finally:
        for name, module in saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module


def _pickle(function: AWSLambda, handler: Callable[..., Any]) -> bytes:
    import dill

    try:
        data = dill.dumps(handler, recurse=True)
    except Exception as exc:  # dill raises many types; all mean "cannot ship this by value"
        raise PackagingError(
            f"The handler of {function.label} cannot be pickled to ship by value: {exc}. "
            "Handlers may not capture open files, clients or locks; create those inside the "
            "handler, or move it into an importable module."
        ) from exc
    return data  # type: ignore[no-any-return]


_CODE_MARKERS = frozenset({"_create_code", "_create_function", "CodeType", "FunctionType"})


def _holds_code(data: bytes) -> bool:
    """Whether a dill pickle carries code objects (bytecode is tied to one Python minor version).

    A ``functools.partial`` of importable functions with plain keyword arguments (a
    :class:`HandlerRef` with ``kwargs``) pickles as references only and loads on any Python 3.
    """
    return any(
        opcode.name in ("SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE")
        and arg in _CODE_MARKERS
        for opcode, arg, _pos in pickletools.genops(data)
    )


def _modules_referenced(data: bytes) -> set[str]:
    """Modules a pickle imports when loaded (its GLOBAL / STACK_GLOBAL opcodes).

    A by-value handler still refers to importable functions by reference (a ``partial`` of a
    function in the user's package, say): those modules must ship too.
    """
    modules: set[str] = set()
    memo: dict[int, object] = {}
    recent: list[object] = []
    for opcode, arg, _pos in pickletools.genops(data):
        name = opcode.name
        if name in ("SHORT_BINUNICODE", "BINUNICODE", "BINUNICODE8", "UNICODE"):
            recent.append(arg)
        elif name == "MEMOIZE":
            memo[len(memo)] = recent[-1] if recent else None
        elif name in ("BINPUT", "LONG_BINPUT", "PUT"):
            memo[int(arg)] = recent[-1] if recent else None  # type: ignore[arg-type]
        elif name in ("BINGET", "LONG_BINGET", "GET"):
            recent.append(memo.get(int(arg)))  # type: ignore[arg-type]
        elif name == "STACK_GLOBAL" and len(recent) >= 2 and isinstance(recent[-2], str):
            modules.add(recent[-2])
        elif name in ("GLOBAL", "INST") and isinstance(arg, str):
            modules.add(arg.split(" ", 1)[0])
        else:
            recent.append(None)
    return {m for m in modules if m.split(".")[0] not in ("dill", "__main__", "__builtin__")}


def _read_tree(root: Path, prefix: str) -> Iterator[tuple[str, str]]:
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if "__pycache__" in rel.parts or rel.parts[0] == "tests":
            continue
        yield f"{prefix}/{rel.as_posix()}", path.read_text(encoding="utf-8")


_PACKAGE_STUB = '''"""jaya_pulumi inside Lambda: the runtime, and the pipeline language for modules defining pipelines.

Names such as ``S3`` or ``Pipeline`` load on first use, so a handler that never touches them pays
nothing for them at cold start.
"""

import importlib

_LANGUAGE = ("jaya_pulumi.dsl", "jaya_pulumi.errors")


def __getattr__(name):
    for module_name in _LANGUAGE:
        module = importlib.import_module(module_name)
        if name in getattr(module, "__all__", ()):
            return getattr(module, name)
    raise AttributeError(
        "module 'jaya_pulumi' has no attribute %r inside Lambda: only its runtime and its "
        "pipeline language (jaya_pulumi.dsl, jaya_pulumi.errors) are shipped" % name
    )
'''


_DEPLOY_STUB = '''"""jaya_pulumi.deploy inside Lambda: harmless, so a seed-style pipeline module imports cleanly.

A module that ends with ``deploy.deploy_pipeline(...)`` may be a handler's module; importing it
inside Lambda must never deploy. Here the call does nothing and returns ``None``.
"""


class DeploySkipped(BaseException):
    """Kept for modules that name it; never raised inside Lambda."""


def deploy_pipeline(*args, **kwargs):
    """Do nothing: deployments run from a developer's machine or CI, never inside Lambda."""
    return None
'''

_TABLE_DESCRIPTION = ("__init__.py", "connection.py", "spec.py")
"""What of ``jaya_pulumi.redshift`` every archive ships: what ``Table(...)`` imports."""


@functools.cache
def _runtime_files() -> tuple[tuple[str, str], ...]:
    """``jaya_pulumi``'s runtime, pipeline language and table description, as every archive has."""
    files = [
        ("jaya_pulumi/__init__.py", _PACKAGE_STUB),
        ("jaya_pulumi/errors.py", (_PACKAGE / "errors.py").read_text(encoding="utf-8")),
        ("jaya_pulumi/deploy.py", _DEPLOY_STUB),
    ]
    files += _read_tree(_PACKAGE / "runtime", "jaya_pulumi/runtime")
    files += _read_tree(_PACKAGE / "dsl", "jaya_pulumi/dsl")
    # ``Table(...)`` describes its table with ``jaya_pulumi.redshift.spec`` (plain data; the
    # package's __init__ loads ``connection`` too), so a handler beside a Table pipeline imports.
    files += [
        (f"jaya_pulumi/redshift/{name}", (_PACKAGE / "redshift" / name).read_text(encoding="utf-8"))
        for name in _TABLE_DESCRIPTION
    ]
    return tuple(files)


@functools.cache
def _jaya_names() -> frozenset[str]:
    """What ``from jaya_pulumi import ...`` can take inside Lambda."""
    from jaya_pulumi import dsl, errors

    return frozenset({*dsl.__all__, *errors.__all__, "dsl", "errors", "runtime", "deploy"})


def _check_imports(function: AWSLambda, modules: list[str], files: Mapping[str, str]) -> None:
    """Refuse a handler whose module imports what Lambda will not have."""
    user_modules = [m for m in modules if m.split(".")[0] != "jaya_pulumi"]  # ours: tested
    missing = [
        pair
        for module in user_modules
        for pair in unavailable_imports(module, files, function.requirements, _jaya_names())
    ]
    if missing:
        lines = "; ".join(f"{where} imports {what}" for where, what in dict.fromkeys(missing))
        raise PackagingError(
            f"The handler of {function.label} would fail to import inside Lambda: {lines}, which "
            "the Lambda runtime, the archive and the function's requirements do not provide. Add "
            "the distribution to requirements=[...], move the handler into a module that does not "
            "import it, or import it inside the function that needs it."
        )


def _password_literals(source: str) -> Iterator[tuple[int, str]]:
    """``(line, what)`` for each database password written as a string literal in ``source``.

    Found: ``Firehose(..., user_password="...")`` (by keyword or as its fourth argument), a dict
    entry ``"db-passwd": "..."`` (the seed's ``db_conf``), and a dict entry ``"url": "...``
    whose URL carries a password.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if called != "Firehose":
                continue
            given = [kw.value for kw in node.keywords if kw.arg == "user_password"]
            given += node.args[3:4]
            if any(_is_text(value) for value in given):
                yield node.lineno, "Firehose(..., user_password='...')"
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if not isinstance(key, ast.Constant) or not isinstance(value, ast.Constant):
                    continue
                if not _is_text(value):
                    continue
                if key.value == "db-passwd":
                    yield value.lineno, "'db-passwd': '...'"
                elif key.value == "url" and _url_password(str(value.value)):
                    yield value.lineno, "'url': '...://user:password@...'"


def _is_text(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and bool(node.value)


def _url_password(url: str) -> bool:
    try:
        return bool(urlsplit(url).password)
    except ValueError:
        return False


def _check_no_password_literals(function: AWSLambda, shipped: Mapping[str, str]) -> None:
    """Refuse to ship user source that writes a Firehose or Table password as a string literal."""
    found = [
        f"{path} line {line} ({what})"
        for path, text in sorted(shipped.items())
        for line, what in _password_literals(text)
    ]
    if found:
        raise PackagingError(
            f"The handler of {function.label} ships its module's source in the Lambda archive, "
            f"and that source holds a database password as a string literal: {'; '.join(found)}. "
            "Anyone allowed lambda:GetFunction could read it there. Read the password from the "
            "stack's secrets instead: pass ConfigSecret('dbPassword') (from jaya_pulumi) as the "
            "password and run `pulumi config set --secret dbPassword ...`, or move the pipeline "
            "out of the handler's module."
        )


@functools.cache
def _dill_files() -> tuple[tuple[str, str], ...]:
    import dill

    return tuple(_read_tree(Path(dill.__file__).resolve().parent, "dill"))


def _module_files(function: AWSLambda, module: str) -> dict[str, str]:
    """The sources to ship for a by-reference handler in ``module``."""
    top = module.split(".")[0]
    if top == "jaya_pulumi":
        if module == "jaya_pulumi.runtime" or module.startswith("jaya_pulumi.runtime."):
            return {}
        raise PackagingError(
            f"The handler of {function.label} lives in {module}, which is not shipped to Lambda; "
            "only jaya_pulumi.runtime is. Use a handler from jaya_pulumi.runtime or your own module."
        )
    if top in sys.stdlib_module_names:
        return {}
    spec = importlib.util.find_spec(top)
    if spec is None or (spec.origin is None and not spec.submodule_search_locations):
        raise PackagingError(f"Cannot find the sources of module {top!r} for {function.label}.")
    if spec.submodule_search_locations:
        root = Path(next(iter(spec.submodule_search_locations))).resolve()
    else:
        root = Path(str(spec.origin)).resolve()
    if root.is_relative_to(_STDLIB) and not any(root.is_relative_to(s) for s in _SITE):
        return {}
    if any(root.is_relative_to(s) for s in _SITE):
        dists = installed_distributions().get(top, [])
        wanted = {dist_name(r) for r in function.requirements}
        if not any(dist_name(d) in wanted for d in dists):
            name = dists[0] if dists else top
            raise PackagingError(
                f"The handler of {function.label} lives in {module}, an installed package "
                f"({name}). Add it to the function's requirements (requirements=['{name}']) so it "
                "is built into the function's layer."
            )
        return {}
    if root.is_dir():
        return dict(_read_tree(root, top))
    if root.suffix != ".py":
        raise PackagingError(
            f"The handler of {function.label} lives in {root.name}, which is not Python source; "
            "compiled modules cannot be shipped. Build them into a layer via requirements=."
        )
    return {f"{top}.py": root.read_text(encoding="utf-8")}
