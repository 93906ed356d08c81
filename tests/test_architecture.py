"""The module graph has no import cycles, counting imports inside functions.

`lint-imports` checks the layers; this test names every cycle module by module, with the
import lines that close it, so a cycle is found where it is made (a function-local import
that hides one counts like any other: grimp reads every import statement in the file).
"""

import grimp

PROJECT_PACKAGES = ("dispatch", "hospitals", "config")

Cycle = tuple[str, ...]


def import_cycles(graph: grimp.ImportGraph) -> list[Cycle]:
    """Every shortest cycle through a direct import, each once, starting at its smallest module."""
    cycles: set[Cycle] = set()
    for importer in graph.modules:
        for imported in graph.find_modules_directly_imported_by(importer):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back is None:
                continue
            cycle = (importer, *back[:-1])
            start = cycle.index(min(cycle))
            cycles.add(cycle[start:] + cycle[:start])
    return sorted(cycles, key=lambda cycle: (len(cycle), cycle))


def describe(graph: grimp.ImportGraph, cycle: Cycle) -> str:
    """One line per import in the cycle: `a -> b (l.12: from b import x)`."""
    lines = []
    for importer, imported in zip(cycle, cycle[1:] + cycle[:1], strict=True):
        details = graph.get_import_details(importer=importer, imported=imported)
        where = ", ".join(f"l.{d['line_number']}: {d['line_contents']}" for d in details)
        lines.append(f"    {importer} -> {imported} ({where})")
    return "\n".join(lines)


def test_project_modules_import_each_other_without_cycles():
    graph = grimp.build_graph(*PROJECT_PACKAGES, cache_dir=None)

    cycles = import_cycles(graph)

    report = "\n\n".join(f"cycle {n}:\n{describe(graph, cycle)}" for n, cycle in enumerate(cycles, 1))
    assert not cycles, f"{len(cycles)} import cycle(s) between project modules:\n\n{report}"


def test_a_cycle_closed_by_an_import_inside_a_function_is_found(tmp_path, monkeypatch):
    package = tmp_path / "clinic"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "missions.py").write_text("from clinic import timeline\n")
    (package / "timeline.py").write_text("def announce():\n    from clinic import alerts\n")
    (package / "alerts.py").write_text("from clinic.missions import *\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    graph = grimp.build_graph("clinic", cache_dir=None)

    cycles = import_cycles(graph)

    assert cycles == [("clinic.alerts", "clinic.missions", "clinic.timeline")]
    assert "l.2: from clinic import alerts" in describe(graph, cycles[0])
