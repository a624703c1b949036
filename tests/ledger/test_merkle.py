"""RFC 6962 / RFC 9162 §2.1: the shared test vectors, and properties of random trees (R-34)."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from zhifa.ledger import merkle

from .conftest import VECTORS


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value) if value else b""


def _cases(kind: str) -> list[Path]:
    return sorted((VECTORS / kind).rglob("*.json"))


def _verify_inclusion_case(case: dict[str, Any]) -> bool:
    try:
        merkle.verify_inclusion(
            case["leafIdx"],
            case["treeSize"],
            _b64(case["leafHash"]),
            [_b64(item) for item in case["proof"] or []],
            _b64(case["root"]),
        )
    except merkle.ProofError:
        return False
    return True


def _verify_consistency_case(case: dict[str, Any]) -> bool:
    try:
        merkle.verify_consistency(
            case["size1"],
            case["size2"],
            [_b64(item) for item in case["proof"] or []],
            _b64(case["root1"]),
            _b64(case["root2"]),
        )
    except merkle.ProofError:
        return False
    return True


def test_vector_folders_are_present_and_complete__R34(vectors: Path) -> None:
    inclusion = _cases("inclusion")
    consistency = _cases("consistency")
    assert len(inclusion) >= 40 and len(consistency) >= 40
    for cases in (inclusion, consistency):
        wanted = [json.loads(path.read_text())["wantErr"] for path in cases]
        assert True in wanted and False in wanted


def test_every_inclusion_vector__R34(vectors: Path) -> None:
    wrong = []
    for path in _cases("inclusion"):
        case = json.loads(path.read_text())
        if _verify_inclusion_case(case) == case["wantErr"]:
            wrong.append(str(path.relative_to(vectors)))
    assert wrong == []


def test_every_consistency_vector__R34(vectors: Path) -> None:
    wrong = []
    for path in _cases("consistency"):
        case = json.loads(path.read_text())
        if _verify_consistency_case(case) == case["wantErr"]:
            wrong.append(str(path.relative_to(vectors)))
    assert wrong == []


def _reference_root(leaves: list[bytes]) -> bytes:
    """MTH exactly as RFC 6962 §2.1 writes it, recursively."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = merkle.split_point(len(leaves))
    return merkle.node_hash(_reference_root(leaves[:k]), _reference_root(leaves[k:]))


def test_hashes_are_domain_separated_as_rfc6962_says__R34() -> None:
    assert merkle.leaf_hash(b"") == hashlib.sha256(b"\x00").digest()
    assert (
        merkle.node_hash(b"a" * 32, b"b" * 32)
        == hashlib.sha256(b"\x01" + b"a" * 32 + b"b" * 32).digest()
    )
    assert merkle.root([]) == hashlib.sha256(b"").digest() == merkle.EMPTY_ROOT


def _flip(value: bytes, bit: int) -> bytes:
    data = bytearray(value)
    data[bit // 8] ^= 1 << (bit % 8)
    return bytes(data)


trees = st.lists(st.binary(max_size=12), min_size=1, max_size=70, unique=True)  # leaves carry seq


@settings(max_examples=150, deadline=None)
@given(data=trees, choice=st.data())
def test_every_inclusion_proof_verifies_and_any_bit_flip_fails__R34(
    data: list[bytes], choice: st.DataObject
) -> None:
    leaves = [merkle.leaf_hash(item) for item in data]
    root = merkle.root(leaves)
    assert root == _reference_root(leaves)
    size = choice.draw(st.integers(1, len(leaves)), label="size")
    index = choice.draw(st.integers(0, size - 1), label="index")
    prefix = leaves[:size]
    proof = merkle.inclusion_proof(index, prefix)
    prefix_root = merkle.root(prefix)
    merkle.verify_inclusion(index, size, prefix[index], proof, prefix_root)

    # One flipped bit anywhere — in the leaf's data, a proof element or the root — fails.
    flipped_data = _flip(data[index], 0) if data[index] else b"\x01"
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(index, size, merkle.leaf_hash(flipped_data), proof, prefix_root)
    for position in range(len(proof)):
        bit = choice.draw(st.integers(0, 255), label="bit")
        bad = list(proof)
        bad[position] = _flip(bad[position], bit)
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(index, size, prefix[index], bad, prefix_root)
    bit = choice.draw(st.integers(0, 255), label="root bit")
    with pytest.raises(merkle.ProofError):
        merkle.verify_inclusion(index, size, prefix[index], proof, _flip(prefix_root, bit))
    # Another leaf does not take the proof of this one.
    if size > 1:
        other = (index + 1) % size
        with pytest.raises(merkle.ProofError):
            merkle.verify_inclusion(other, size, prefix[index], proof, prefix_root)


@settings(max_examples=150, deadline=None)
@given(data=trees, choice=st.data())
def test_every_consistency_proof_verifies_and_any_bit_flip_fails__R34(
    data: list[bytes], choice: st.DataObject
) -> None:
    leaves = [merkle.leaf_hash(item) for item in data]
    second = len(leaves)
    first = choice.draw(st.integers(1, second), label="first")
    proof = merkle.consistency_proof(first, leaves)
    first_root, second_root = merkle.root(leaves[:first]), merkle.root(leaves)
    merkle.verify_consistency(first, second, proof, first_root, second_root)

    for position in range(len(proof)):
        bit = choice.draw(st.integers(0, 255), label="bit")
        bad = list(proof)
        bad[position] = _flip(bad[position], bit)
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(first, second, bad, first_root, second_root)
    for which in ("first", "second"):
        bit = choice.draw(st.integers(0, 255), label=f"{which} root bit")
        roots = {"first": first_root, "second": second_root}
        roots[which] = _flip(roots[which], bit)
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(first, second, proof, roots["first"], roots["second"])
    # A log that rewrote one old leaf has no consistent proof from the old head.
    if first < second:
        rewritten = list(leaves)
        position = choice.draw(st.integers(0, first - 1), label="rewritten leaf")
        rewritten[position] = _flip(rewritten[position], 7)
        forged = merkle.consistency_proof(first, rewritten)
        with pytest.raises(merkle.ProofError):
            merkle.verify_consistency(first, second, forged, first_root, merkle.root(rewritten))


@settings(max_examples=60, deadline=None)
@given(size=st.integers(1, 300))
def test_stored_node_numbering_and_frontier_rebuild_the_tree__R34(size: int) -> None:
    """Appending leaf by leaf completes the node ids 0, 1, 2 … in order, and a proof assembled
    from those stored nodes is the proof computed from the leaves."""
    leaves = [merkle.leaf_hash(i.to_bytes(4, "big")) for i in range(size)]
    store: dict[int, bytes] = {}
    frontier: list[bytes] = []
    for position, leaf in enumerate(leaves):
        first = merkle.node_count(position)
        frontier, completed = merkle.append_leaf(frontier, position, leaf)
        for offset, value in enumerate(completed):
            assert first + offset not in store
            store[first + offset] = value
    assert sorted(store) == list(range(merkle.node_count(size)))
    assert merkle.frontier_root(frontier) == _reference_root(leaves)

    def subtree(key: merkle.NodeKey) -> bytes:
        level, index = key
        return leaves[index] if level == 0 else store[merkle.node_id(level, index)]

    for index in {0, size // 2, size - 1}:
        assert merkle.proof_from_ranges(
            merkle.inclusion_ranges(index, size), subtree
        ) == merkle.inclusion_proof(index, leaves)
    for first in {1, size // 2 or 1, size - 1 or 1}:
        if first < size:
            assert merkle.proof_from_ranges(
                merkle.consistency_ranges(first, size), subtree
            ) == merkle.consistency_proof(first, leaves)


def test_proofs_are_refused_outside_the_tree__R34() -> None:
    with pytest.raises(merkle.ProofError):
        merkle.inclusion_ranges(5, 5)
    with pytest.raises(merkle.ProofError):
        merkle.consistency_ranges(0, 5)
    with pytest.raises(merkle.ProofError):
        merkle.consistency_ranges(6, 5)
