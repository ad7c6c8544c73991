"""The mesh rules between declarations, the example mesh, its lineage, and which files are read.

Each rule gets a small mesh written to ``tmp_path``: ``a.up`` serves port ``p`` v1 and ``b.down``
reads it; one change breaks one rule, and the test asserts the single located problem.
"""

from __future__ import annotations

import json
from collections import Counter

import pytest
from helpers import BLUEPRINT_FILES, ROOT, at, port, product, reads, shown, write, write_product

from meshplane.product import standards
from meshplane.declaration.files import UsageError, declaration_files
from meshplane.mesh.model import Mesh


def load(tmp_path, *docs) -> tuple[Mesh, list]:
    files = [write_product(tmp_path, d) for d in docs]
    return Mesh.load([str(tmp_path)]), files


def only_problem(mesh: Mesh, where: str, field: str, phrase: str) -> None:
    """The mesh has exactly one problem, at ``where`` and ``field``, whose message has ``phrase``."""
    assert len(mesh.problems) == 1, shown(mesh.problems)
    text = str(mesh.problems[0])
    assert text.startswith(f"{where}: {field}: "), text
    assert phrase in text, text


def up(**kw) -> dict:
    return product("a.up", ports=[port(consumers=kw.pop("consumers", ["b.down"]))], **kw)


def down(*inputs) -> dict:
    return product("b.down", inputs=inputs or [reads("a.up")])


def test_minimal_mesh_is_valid(tmp_path):
    mesh, _ = load(tmp_path, up(), down())
    assert mesh.problems == [], shown(mesh.problems)
    assert sorted(mesh.sources) == ["a.up", "b.down"] and mesh.checked == 2
    assert mesh.output_port("a.up", "p", 1) is not None and mesh.output_port("a.up", "p", 2) is None


def test_fails_unknown_upstream_product_with_close_match(tmp_path):
    mesh, (_, b) = load(tmp_path, up(consumers=[]), down(reads("a.upp")))
    only_problem(mesh, at(b, "dataProduct: a.upp", "a.upp"), "inputPorts.a_upp.dataProduct",
                 "unknown data product; given 'a.upp'")
    assert "'a.up'" in mesh.problems[0].message  # the close match the user meant


def test_an_invalid_upstream_is_reported_once_not_as_unknown(tmp_path):
    broken = up()
    broken["version"] = "one"
    mesh, (a, _) = load(tmp_path, broken, down(reads("a.up")))
    assert {p.file for p in mesh.problems} == {str(a)}, shown(mesh.problems)
    assert "a.up" in mesh.invalid and "unknown data product" not in shown(mesh.problems)


def test_fails_unknown_upstream_port(tmp_path):
    mesh, (_, b) = load(tmp_path, up(), down(reads("a.up", port="q")))
    only_problem(mesh, at(b, "outputPort: q", "q"), "inputPorts.a_up.outputPort",
                 "a.up has no such output port; given 'q'; expected one of p")


def test_fails_major_version_not_served(tmp_path):
    mesh, (_, b) = load(tmp_path, up(), down(reads("a.up", major=2)))
    only_problem(mesh, at(b, "version: 2", "2"), "inputPorts.a_up.version",
                 "does not serve p in this major version; given 2; expected one of 1")


def test_fails_upstream_does_not_list_the_consumer(tmp_path):
    mesh, (_, b) = load(tmp_path, up(consumers=["group:x@daff.example"]), down())
    only_problem(mesh, at(b, "name: a_up"), "inputPorts.a_up",
                 "the producer has not granted access")
    assert "dataProduct: b.down" in mesh.problems[0].message


def test_fails_active_product_reads_retired_one(tmp_path):
    mesh, (_, b) = load(tmp_path, up(status="retired"), down())
    only_problem(mesh, at(b, "dataProduct: a.up", "a.up"), "inputPorts.a_up.dataProduct",
                 "an active product reads a retired one")


@pytest.mark.parametrize("status", ["dormant", "deprecated", "retired"])
def test_inactive_product_may_read_retired_one(tmp_path, status):
    b = down()
    b["status"] = status
    mesh, _ = load(tmp_path, up(status="retired"), b)
    assert mesh.problems == [], shown(mesh.problems)


def test_fails_consumer_data_product_unknown(tmp_path):
    mesh, (a, _) = load(tmp_path, up(consumers=["b.down", "c.gone"]), down())
    only_problem(mesh, at(a, "dataProduct: c.gone", "c.gone"),
                 "outputPorts.p.consumers.c.gone.dataProduct", "unknown data product; given 'c.gone'")


def test_one_file_alone_never_suggests_itself_for_an_unknown_consumer(tmp_path):
    mesh, (a,) = load(tmp_path, up(consumers=["a.upp"]))
    only_problem(mesh, at(a, "dataProduct: a.upp", "a.upp"), "outputPorts.p.consumers.a.upp.dataProduct",
                 "unknown data product; given 'a.upp'; expected a product of the mesh, and no other "
                 "declaration was read (validate the consuming declarations together with this one)")


def test_one_file_alone_never_suggests_itself_for_an_unknown_upstream(tmp_path):
    mesh, (b,) = load(tmp_path, down(reads("b.dow")))
    only_problem(mesh, at(b, "dataProduct: b.dow", "b.dow"), "inputPorts.b_dow.dataProduct",
                 "unknown data product; given 'b.dow'; expected a product of the mesh, and no other "
                 "declaration was read (validate the upstream declarations together with this one)")


def test_unknown_consumer_suggests_another_product_read_with_it(tmp_path):
    mesh, (a, _) = load(tmp_path, up(consumers=["b.down", "b.dow"]), down())
    where = at(a, "dataProduct: b.dow", "b.dow", nth=2)  # the first is b.down
    only_problem(mesh, where, "outputPorts.p.consumers.b.dow.dataProduct",
                 "unknown data product; given 'b.dow'; expected a product of the mesh (did you mean "
                 "'b.down'?) (validate the consuming declarations together with this one)")


def test_fails_duplicate_ids_across_two_files(tmp_path):
    first = write(tmp_path / "a" / "up.yaml", up(consumers=[]))
    second = write(tmp_path / "z" / "up-again.yaml", up(consumers=[]))
    mesh = Mesh.load([str(tmp_path)])
    only_problem(mesh, at(second, "id: a.up", "a.up"), "id", "duplicate data product id; given 'a.up'")
    assert f"also declared at {first}:{at(first, 'id: a.up').split(':')[-2]}" in str(mesh.problems[0])
    assert mesh.checked == 2 and len(mesh.sources) == 1


def test_fails_cycle_of_two(tmp_path):
    a = product("a.up", inputs=[reads("b.down")], ports=[port(consumers=["b.down"])])
    b = product("b.down", inputs=[reads("a.up")], ports=[port(consumers=["a.up"])])
    mesh, (fa, _) = load(tmp_path, a, b)
    only_problem(mesh, at(fa, "dataProduct: b.down", "b.down"), "inputPorts.b_down.dataProduct",
                 "dependency cycle; given a.up -> b.down -> a.up")


def test_fails_cycle_of_three_once(tmp_path):
    x = product("a.x", inputs=[reads("c.z")], ports=[port(consumers=["b.y"])])
    y = product("b.y", inputs=[reads("a.x")], ports=[port(consumers=["c.z"])])
    z = product("c.z", inputs=[reads("b.y")], ports=[port(consumers=["a.x"])])
    mesh, (fx, _, _) = load(tmp_path, x, y, z)
    only_problem(mesh, at(fx, "dataProduct: c.z", "c.z"), "inputPorts.c_z.dataProduct",
                 "dependency cycle; given a.x -> c.z -> b.y -> a.x")


def test_a_file_problem_does_not_hide_mesh_problems(tmp_path):
    broken = write(tmp_path / "c" / "broken.yaml", "apiVersion: meshplane/v1alpha1\nkind: [\n")
    mesh, (_, b) = load(tmp_path, up(), down(reads("a.up", port="q")))
    assert mesh.checked == 3
    assert {p.file for p in mesh.problems} == {str(broken), str(b)}, shown(mesh.problems)


# --- the example mesh ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def blueprints() -> Mesh:
    return Mesh.load([str(ROOT / "blueprints")])


def test_blueprint_mesh_is_valid_and_varied(blueprints):
    assert blueprints.problems == [], shown(blueprints.problems)
    products = blueprints.products
    assert blueprints.checked == len(BLUEPRINT_FILES) == len(products) >= 8
    assert len({p.domain for p in products}) >= 4
    assert {p.type.value for p in products} == {"sourceAligned", "aggregate", "consumerAligned"}
    assert any(p.status.value == "dormant" for p in products)


def test_blueprint_mesh_serves_a_port_in_two_majors(blueprints):
    found = []
    for p in blueprints.products:
        majors = Counter(port.name for port in p.output_ports)
        for name in (n for n, count in majors.items() if count > 1):
            ports = sorted((o for o in p.output_ports if o.name == name), key=lambda o: o.major)
            if len({o.major for o in ports}) > 1:
                found.append((p.id, name))
                assert ports[0].deprecation is not None, f"{p.id} {name} v{ports[0].major}"
                assert ports[-1].deprecation is None
    assert found, "no port served in two majors"


def test_blueprint_lineage(blueprints):
    graph = blueprints.lineage()
    ids = {n.id for n in graph.nodes}
    edges = {(e.source, e.target, e.label) for e in graph.edges}
    for p in blueprints.products:
        urn = standards.product_urn(p.domain, p.name)
        assert urn in ids
        for o in p.output_ports:
            assert (urn, standards.port_urn(p.domain, p.name, o.name, o.major), "serves") in edges
        for ip in (i for i in p.input_ports if i.data_product):
            domain, name = ip.data_product.split(".")
            source = standards.port_urn(domain, name, ip.output_port, ip.version)
            assert source in ids and (source, urn, ip.name) in edges
    assert graph.product_cycles() == []
    assert graph.to_mermaid().startswith("flowchart LR\n")
    data = json.loads(json.dumps(graph.to_dict()))
    assert len(data["nodes"]) == len(graph.nodes) and len(data["edges"]) == len(graph.edges)


# --- which files are declarations ----------------------------------------------------------------


def test_declaration_files_in_a_directory(tmp_path):
    good = write_product(tmp_path, up())
    no_kind = write(tmp_path / "notes.yml", "just: text\n")
    broken = write(tmp_path / "broken.yaml", "kind: DataProduct\nid: [\n")
    empty = write(tmp_path / "empty.yaml", "# nothing yet\n")
    write(tmp_path / "Pulumi.yaml", "name: x\n")
    write(tmp_path / "a" / "Pulumi.a-dev.yaml", "config: {}\n")
    write(tmp_path / "other.yaml", "apiVersion: v1\nkind: ConfigMap\n")
    write(tmp_path / ".hidden" / "x.yaml", up())
    write(tmp_path / "a" / ".cache" / "y.yaml", up())
    write(tmp_path / "readme.md", "# not yaml\n")
    assert declaration_files([str(tmp_path)]) == sorted([good, no_kind, broken, empty])


def test_declaration_files_explicit_file_is_always_read(tmp_path):
    other = write(tmp_path / "Pulumi.x.yaml", "apiVersion: v1\nkind: ConfigMap\n")
    assert declaration_files([str(other), str(other)]) == [other]


def test_same_file_named_two_ways_is_read_once(tmp_path, monkeypatch):
    file = write_product(tmp_path, up(consumers=[]))
    monkeypatch.chdir(tmp_path)
    mesh = Mesh.load([str(tmp_path), "a/up.yaml"])
    assert (mesh.checked, mesh.problems) == (1, []), shown(mesh.problems)
    assert len(declaration_files([str(file), "a/up.yaml"])) == 1


def test_declaration_files_usage_errors(tmp_path):
    write(tmp_path / "only" / "Pulumi.yaml", "name: x\n")
    with pytest.raises(UsageError, match="no DataProduct declaration"):
        declaration_files([str(tmp_path / "only")])
    with pytest.raises(UsageError, match="no such file or directory"):
        declaration_files([str(tmp_path / "missing")])
