"""Builds the Python package's API reference with pdoc (called by scripts/docs.sh).

    python pdoc_build.py OUTDIR

Documents the installed ``moveworks`` package (the compiled extension included)
from its docstrings; a native class's docstrings come from the ``.pyi`` stubs
where they have one and from the extension (the Rust doc comments) otherwise,
the way pdoc patches a module from its stub. Fails, listing them, on any warning
pdoc emits and on any public item without a docstring; on success prints the
number of public items documented.
"""

from __future__ import annotations

import __future__
import ast
import functools
import sys
import types
import warnings
from pathlib import Path
from unittest import mock

import pdoc
import pdoc.doc
import pdoc.doc_ast
import pdoc.doc_pyi
import pdoc.render

# The public modules; everything else in the package is private (underscore).
MODULES = ["moveworks", "moveworks.testing"]


def load_stub(module_name: str) -> types.ModuleType:
    """Executes ``module_name``'s ``.pyi`` as a module.

    With postponed annotations, as type checkers read stubs: a stub names
    classes before defining them (pdoc's own loader fails on that).
    """
    path = pdoc.doc_pyi.find_stub_file(module_name)
    assert path is not None, f"no stub file for {module_name}"
    module = types.ModuleType(module_name)
    module.__file__ = str(path)
    module.__package__ = module_name.rpartition(".")[0]
    source = path.read_text(encoding="utf-8")
    code = compile(source, str(path), "exec", flags=__future__.annotations.compiler_flag, dont_inherit=True)
    exec(code, module.__dict__)
    return module


def expose_stub_only_names() -> None:
    """Lets pdoc evaluate annotations that name types only the stubs define.

    The package's ``if TYPE_CHECKING:`` blocks import ``moveworks._options``
    (a stub without a runtime module) and aliases such as ``_OnEvent`` that
    exist only in ``_moveworks.pyi``; pdoc runs those blocks to resolve
    annotations, so in this process the stub-only names are made importable.
    """
    import moveworks._moveworks as native

    sys.modules["moveworks._options"] = load_stub("moveworks._options")
    stub = load_stub("moveworks._moveworks")
    for name, value in vars(stub).items():
        if not hasattr(native, name):
            setattr(native, name, value)


def resolve_lazy_exports() -> None:
    """Loads the names ``moveworks.__getattr__`` resolves on first use, so pdoc finds them."""
    import moveworks

    for name in moveworks.__all__:
        if name not in vars(moveworks):
            setattr(moveworks, name, getattr(moveworks, name))


def patch_lazy_alias_docstrings() -> None:
    """Gives the type aliases ``moveworks`` re-exports from ``moveworks._types`` (loaded
    on first use, so ``import moveworks`` does not import ``typing``) their docstrings.

    pdoc reads a variable's docstring from the source of the module that documents it,
    and these aliases are assigned in the private ``_types``, not in ``__init__.py``.
    """
    original = pdoc.doc.Module.__dict__["_var_docstrings"].func

    def var_docstrings(self: pdoc.doc.Module) -> dict[str, str]:
        found = dict(original(self))
        if self.modulename == "moveworks":
            import moveworks._types

            for name, text in pdoc.doc_ast.walk_tree(moveworks._types).var_docstrings.items():
                found.setdefault(name, text)
        return found

    patched = functools.cached_property(var_docstrings)
    patched.__set_name__(pdoc.doc.Module, "_var_docstrings")
    pdoc.doc.Module._var_docstrings = patched  # type: ignore[method-assign, assignment]


def patch_reexports_from_stubs() -> None:
    """Applies a stub to the names a public module re-exports from a native one.

    pdoc patches a module only with its own ``.pyi``; ``moveworks`` re-exports
    the extension's classes and constants, whose stub is ``_moveworks.pyi``, so
    without this their signatures and stub docstrings would be lost. Also gives
    a class variable that overrides a documented one its base's docstring, as
    pdoc (through ``inspect.getdoc``) already does for methods.
    """
    original = pdoc.doc_pyi.include_typeinfo_from_stub_files

    def include(module: pdoc.doc.Module) -> None:
        original(module)
        # pyo3 classes name the package as their __module__ and constants have none, so
        # a re-export is recognized by identity with a stubbed sibling module's attribute.
        package = module.modulename.split(".")[0]
        origins = [
            name
            for name in sorted(sys.modules)
            if name.startswith(package + ".") and name != module.modulename and pdoc.doc_pyi.find_stub_file(name)
        ]
        for origin in origins:
            native, stub = sys.modules[origin], load_stub(origin)
            # pdoc resolves the stub's names through sys.modules while it reads it.
            with mock.patch.dict("sys.modules", {origin: stub}):
                stub_doc = pdoc.doc.Module(stub)
                for member in module.members.values():
                    value = member.default_value if isinstance(member, pdoc.doc.Variable) else member.obj
                    if getattr(native, member.name, None) is value and stub_doc.get(member.name) is not None:
                        pdoc.doc_pyi._patch_doc(member, stub_doc)
        for name, (origin, stub_name) in type_checking_aliases(module).items():
            member = module.members.get(name)
            if member is not None and not member.docstring and pdoc.doc_pyi.find_stub_file(origin):
                # The stub's __all__ leaves its private aliases out of its members: read the docstrings map.
                member.docstring = pdoc.doc.Module(load_stub(origin))._var_docstrings.get(stub_name, "")
        for cls in module.members.values():
            if isinstance(cls, pdoc.doc.Class):
                inherit_variable_docstrings(cls)

    pdoc.doc_pyi.include_typeinfo_from_stub_files = include


def type_checking_aliases(module: pdoc.doc.Module) -> dict[str, tuple[str, str]]:
    """``{name: (module, stub name)}`` of the ``from .m import x as name`` under ``if TYPE_CHECKING:``.

    Such a name (``moveworks.StreamEvent``, resolved at run time by the
    package's ``__getattr__``) is documented by the stub definition it aliases.
    """
    source = pdoc.doc_ast.get_source(module.obj)
    aliases = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING":
            for imp in node.body:
                if isinstance(imp, ast.ImportFrom) and imp.level == 1 and imp.module:
                    origin = f"{module.modulename}.{imp.module}"
                    for alias in imp.names:
                        aliases[alias.asname or alias.name] = (origin, alias.name)
    return aliases


def inherit_variable_docstrings(cls: pdoc.doc.Class) -> None:
    """An undocumented class variable takes the docstring of the one it overrides."""
    for member in cls.own_members:
        if not isinstance(member, pdoc.doc.Variable) or member.docstring:
            continue
        for base in cls.obj.__mro__[1:]:
            if member.name in vars(base):
                base_doc = pdoc.doc.Module.from_name(base.__module__).get(f"{base.__qualname__}.{member.name}")
                if base_doc is not None and base_doc.docstring:
                    member.docstring = base_doc.docstring
                    break


def is_public(doc: pdoc.doc.Doc, module: pdoc.doc.Module) -> bool:
    """pdoc's default template rule (module.html.jinja2 ``is_public``), constructors aside."""
    if doc.name in ("__init__", "__new__", "__doc__"):
        # A constructor is documented by its class's docstring.
        return False
    if isinstance(doc, pdoc.doc.Variable) and doc.is_typevar:
        return False
    if (doc.qualname or doc.name) in (getattr(module.obj, "__all__", None) or []):
        return True
    return not doc.name.startswith("_")


def public_items(module: pdoc.doc.Module) -> list[pdoc.doc.Doc]:
    """The module's public members and their public own members (inherited ones are counted where defined)."""
    items: list[pdoc.doc.Doc] = [module]
    for member in module.members.values():
        if not is_public(member, module):
            continue
        items.append(member)
        if isinstance(member, pdoc.doc.Class):
            items.extend(m for m in member.own_members if is_public(m, module))
    return items


def main() -> int:
    out = Path(sys.argv[1])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        expose_stub_only_names()
        resolve_lazy_exports()
        patch_reexports_from_stubs()
        patch_lazy_alias_docstrings()
        modules = [pdoc.doc.Module.from_name(name) for name in MODULES]
        items = [item for module in modules for item in public_items(module)]
        pdoc.render.configure(docformat="restructuredtext", search=True, show_source=False)
        pdoc.pdoc(*MODULES, output_directory=out)
    failures = [f"warning: {w.message}" for w in caught]
    failures += [f"undocumented: {item.fullname} ({item.kind})" for item in items if not item.docstring.strip()]
    if failures:
        print("\n".join(failures), file=sys.stderr)
        print(f"python: {len(failures)} problem(s) in the API reference", file=sys.stderr)
        return 1
    print(len(items))
    return 0


if __name__ == "__main__":
    sys.exit(main())
