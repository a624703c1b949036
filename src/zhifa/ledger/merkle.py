"""RFC 6962 / RFC 9162 §2.1 Merkle trees: pure functions, no Django, no I/O.

- Leaf hash ``SHA-256(0x00 ‖ data)``, node hash ``SHA-256(0x01 ‖ left ‖ right)``, and the root of
  the empty tree ``SHA-256("")``.
- ``MTH(D[n])`` of n leaves splits at ``k``, the largest power of two smaller than n.
- Inclusion and consistency proofs are lists of subtree hashes, deepest first (RFC 6962 ``PATH`` and
  ``PROOF``); their verifiers follow RFC 9162 §2.1.3.2 and §2.1.4.2 step by step.

Storage-independent proofs: :func:`inclusion_ranges` and :func:`consistency_ranges` name the leaf
ranges ``[start, end)`` whose subtree hashes form a proof; :func:`perfect_cover` splits such a range
into the perfect (power-of-two, aligned) subtrees a store keeps, and :func:`fold_cover` folds their
hashes into the range's hash. A store that keeps every perfect subtree answers a proof with
``O(log n)`` reads. Stored perfect subtrees are numbered in the order an append-only log completes
them (:func:`node_id`), so appending and verifying both walk the node table front to back.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()

Range = tuple[int, int]
"""Leaves ``[start, end)``."""

NodeKey = tuple[int, int]
"""A perfect subtree: ``(level, index)`` covers leaves ``[index·2^level, (index+1)·2^level)``."""


class ProofError(ValueError):
    """A proof that does not verify, or a request no proof can answer."""


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (``n`` ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaf_hashes: Sequence[bytes]) -> bytes:
    """``MTH`` of the leaves whose hashes are given, in O(n) time and O(log n) memory."""
    frontier: list[bytes] = []
    for size, leaf in enumerate(leaf_hashes):
        frontier, _ = append_leaf(frontier, size, leaf)
    return frontier_root(frontier)


# --- proofs as ranges ------------------------------------------------------------------------


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The ranges whose hashes make ``PATH(index, D[size])``, deepest first."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is outside a tree of size {size}")
    ranges: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = split_point(end - start)
        if index < start + k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start = start + k
    ranges.reverse()
    return ranges


def consistency_ranges(first: int, second: int) -> list[Range]:
    """The ranges whose hashes make ``PROOF(first, D[second])``, deepest first
    (0 < first ≤ second)."""
    if not 0 < first <= second:
        raise ProofError(f"no consistency proof from size {first} to size {second}")
    ranges: list[Range] = []
    start, end, m, complete = 0, second, first, True
    while True:
        n = end - start
        if m == n:
            if not complete:
                ranges.append((start, end))
            break
        k = split_point(n)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start, m, complete = start + k, m - k, False
    ranges.reverse()
    return ranges


def perfect_cover(start: int, end: int) -> list[NodeKey]:
    """Split ``[start, end)`` into the perfect subtrees that ``MTH`` of that range combines, largest
    first. The ranges of proofs are aligned so that this is their RFC 6962 decomposition."""
    cover: list[NodeKey] = []
    while start < end:
        level = (end - start).bit_length() - 1
        if start:
            level = min(level, (start & -start).bit_length() - 1)
        cover.append((level, start >> level))
        start += 1 << level
    return cover


def fold_cover(hashes: Sequence[bytes]) -> bytes:
    """The hash of a range from the hashes of its :func:`perfect_cover`, right to left."""
    if not hashes:
        raise ProofError("an empty range has no subtree hash")
    result = hashes[-1]
    for left in reversed(hashes[:-1]):
        result = node_hash(left, result)
    return result


def proof_from_ranges(ranges: Sequence[Range], subtree: Callable[[NodeKey], bytes]) -> list[bytes]:
    """Assemble a proof from a source of perfect-subtree hashes."""
    return [fold_cover([subtree(key) for key in perfect_cover(s, e)]) for s, e in ranges]


# --- in-memory proofs (tests, small trees, the auditor) ---------------------------------------


def subtree_hash(leaf_hashes: Sequence[bytes], start: int, end: int) -> bytes:
    """``MTH(D[start:end])`` computed from the leaves."""
    return root(leaf_hashes[start:end])


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    return [subtree_hash(leaf_hashes, s, e) for s, e in inclusion_ranges(index, len(leaf_hashes))]


def consistency_proof(first: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    second = len(leaf_hashes)
    if first == second:
        return []
    return [subtree_hash(leaf_hashes, s, e) for s, e in consistency_ranges(first, second)]


# --- verifiers (RFC 9162 §2.1.3.2, §2.1.4.2) --------------------------------------------------


def _check_hashes(hashes: Sequence[bytes]) -> None:
    for item in hashes:
        if len(item) != HASH_SIZE:
            raise ProofError("a proof element is not a SHA-256 hash")


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` implies for ``leaf`` at ``index`` in a tree of ``size``."""
    if not 0 <= index < size:
        raise ProofError(f"index {index} is outside a tree of size {size}")
    if len(leaf) != HASH_SIZE:
        raise ProofError("the leaf hash is not a SHA-256 hash")
    _check_hashes(proof)
    fn, sn, result = index, size - 1, leaf
    for element in proof:
        if sn == 0:
            raise ProofError("the proof is longer than the path")
        if fn & 1 or fn == sn:
            result = node_hash(element, result)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            result = node_hash(result, element)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the proof is shorter than the path")
    return result


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root_hash: bytes
) -> None:
    """Raise :class:`ProofError` unless ``proof`` shows ``leaf`` at ``index`` under
    ``root_hash``."""
    if root_from_inclusion_proof(index, size, leaf, proof) != root_hash:
        raise ProofError("the inclusion proof does not lead to the root")


def verify_consistency(
    first: int, second: int, proof: Sequence[bytes], first_root: bytes, second_root: bytes
) -> None:
    """Raise :class:`ProofError` unless ``proof`` shows the tree of size ``first`` with
    ``first_root`` to be a prefix of the tree of size ``second`` with ``second_root``.

    Sizes start at 1: a consistency proof from the empty tree proves nothing (RFC 9162 §2.1.4).
    """
    if first < 1:
        raise ProofError("a consistency proof starts from a non-empty tree")
    if second < first:
        raise ProofError(f"size {second} is smaller than size {first}")
    if first == second:
        if proof:
            raise ProofError("equal sizes take an empty proof")
        if first_root != second_root:
            raise ProofError("equal sizes with different roots")
        return
    if not proof:
        raise ProofError("the consistency proof is empty")
    _check_hashes(proof)
    path = list(proof)
    if first & (first - 1) == 0:
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    first_result = second_result = path[0]
    for element in path[1:]:
        if sn == 0:
            raise ProofError("the proof is longer than the path")
        if fn & 1 or fn == sn:
            first_result = node_hash(element, first_result)
            second_result = node_hash(element, second_result)
            while not fn & 1 and fn != 0:
                fn >>= 1
                sn >>= 1
        else:
            second_result = node_hash(second_result, element)
        fn >>= 1
        sn >>= 1
    if sn != 0:
        raise ProofError("the proof is shorter than the path")
    if first_result != first_root:
        raise ProofError("the consistency proof does not lead to the first root")
    if second_result != second_root:
        raise ProofError("the consistency proof does not lead to the second root")


# --- the append-only store: frontier and node numbering ---------------------------------------


def node_id(level: int, index: int) -> int:
    """The position of perfect subtree ``(level, index)`` (level ≥ 1) among all perfect subtrees
    of level ≥ 1, in the order an append-only log completes them (0, 1, 2, … without gaps).

    The subtree is completed by leaf ``j = (index+1)·2^level − 1``; a tree of ``j`` leaves holds
    ``j − popcount(j)`` such subtrees, and leaf ``j`` completes levels ``1 … level`` in order.
    """
    if level < 1 or index < 0:
        raise ValueError("stored nodes have level ≥ 1")
    last_leaf = ((index + 1) << level) - 1
    return last_leaf - last_leaf.bit_count() + level - 1


def node_position(node_id_: int) -> NodeKey:
    """The ``(level, index)`` of the stored node at position ``node_id_`` (inverse of
    :func:`node_id`): the leaf ``j`` that completed it is found by bisection on ``node_count``."""
    low, high = 0, 2 * node_id_ + 2
    while low < high:  # the first leaf j with node_count(j + 1) > node_id_
        middle = (low + high) // 2
        if node_count(middle + 1) > node_id_:
            high = middle
        else:
            low = middle + 1
    level = node_id_ - node_count(low) + 1
    return level, ((low + 1) >> level) - 1


def node_count(size: int) -> int:
    """How many perfect subtrees of level ≥ 1 a tree of ``size`` leaves holds."""
    return size - size.bit_count()


def append_leaf(
    frontier: Sequence[bytes], size: int, leaf: bytes
) -> tuple[list[bytes], list[bytes]]:
    """Append ``leaf`` as leaf number ``size`` to the tree whose perfect subtrees (one per set bit
    of ``size``, largest first) are ``frontier``. Returns the new frontier and the hashes of the
    subtrees the leaf completes, level 1 first: they are stored as :func:`node_id`
    ``node_count(size) … node_count(size) + len − 1``."""
    stack = list(frontier)
    completed: list[bytes] = []
    current = leaf
    j = size
    while j & 1:
        current = node_hash(stack.pop(), current)
        completed.append(current)
        j >>= 1
    stack.append(current)
    return stack, completed


def frontier_root(frontier: Sequence[bytes]) -> bytes:
    """The root of the tree whose perfect subtrees are ``frontier``."""
    if not frontier:
        return EMPTY_ROOT
    return fold_cover(frontier)


def frontier_keys(size: int) -> list[NodeKey]:
    """The perfect subtrees that make up a tree of ``size`` leaves, largest first."""
    return perfect_cover(0, size)
