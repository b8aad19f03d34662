"""numba kernels of :mod:`capacity.experiments.abstractions` (inputs trusted, validated by the caller).

Partitions are stored as in Hopcroft (1971) and Valmari & Franceschinis (2010): the states of a
block occupy a contiguous segment ``elems[first[b]:end[b]]``, ``loc`` is the inverse permutation of
``elems`` and ``block[x]`` the block of state x. All index arrays are int32 (the caller refuses
more than 2**31 - 1 states or transitions).
"""
from __future__ import annotations

import numpy as np
from numba import njit

#: Label counts up to this use a direct (class, label) -> child table of 4 n_labels bytes per state;
#: more labels use a hash table.
DIRECT_LABELS = 8


@njit(cache=True)
def _initial_partition(labels, n_labels, queue_largest):
    """Blocks = label classes (labels in 0..n_labels-1, all present); returns the partition arrays
    and a worklist holding every block (but the largest unless ``queue_largest``)."""
    n = labels.size
    cap = n + 1
    first = np.zeros(cap, np.int32)
    end = np.zeros(cap, np.int32)
    count = np.zeros(n_labels + 1, np.int32)
    for x in range(n):
        count[labels[x] + 1] += 1
    for b in range(n_labels):
        count[b + 1] += count[b]
    elems = np.empty(n, np.int32)
    loc = np.empty(n, np.int32)
    block = np.empty(n, np.int32)
    fill = count[:n_labels].copy()
    for x in range(n):
        b = labels[x]
        elems[fill[b]] = x
        loc[x] = fill[b]
        block[x] = b
        fill[b] += 1
    largest = 0
    for b in range(n_labels):
        first[b] = count[b]
        end[b] = count[b + 1]
        if end[b] - first[b] > end[largest] - first[largest]:
            largest = b
    work = np.empty(cap, np.int32)
    in_work = np.zeros(cap, np.bool_)
    n_work = 0
    for b in range(n_labels):
        if b != largest or queue_largest:
            work[n_work] = b
            n_work += 1
            in_work[b] = True
    return elems, loc, block, first, end, work, in_work, n_work


@njit(cache=True)
def _canonical_blocks(block, n):
    """Relabel blocks 0, 1, ... in the order of their first state (a canonical form)."""
    new = np.full(n + 1, -1, np.int64)
    out = np.empty(n, np.int64)
    k = 0
    for x in range(n):
        b = block[x]
        if new[b] < 0:
            new[b] = k
            k += 1
        out[x] = new[b]
    return out, k


@njit(cache=True)
def _preimage_csr(step):
    """Preimage lists of a function: the x with step[x] == y are pre[start[y]:start[y+1]]."""
    n = step.size
    start = np.zeros(n + 1, np.int32)
    for x in range(n):
        start[step[x] + 1] += 1
    for y in range(n):
        start[y + 1] += start[y]
    fill = start[:n].copy()
    pre = np.empty(n, np.int32)
    for x in range(n):
        y = step[x]
        pre[fill[y]] = x
        fill[y] += 1
    return start, pre


@njit(cache=True)
def _mark_front(buf, m, block, marked, touched, loc, first, elems):
    """Move the states ``buf[:m]`` to the front of their blocks, counting them in ``marked`` (one
    count per block); the blocks touched are listed in ``touched``, and their number is returned."""
    n_touched = 0
    for i in range(m):
        x = buf[i]
        b = block[x]
        if marked[b] == 0:
            touched[n_touched] = b
            n_touched += 1
        pos = loc[x]
        tgt = first[b] + marked[b]
        z = elems[tgt]
        elems[tgt] = x
        loc[x] = tgt
        elems[pos] = z
        loc[z] = pos
        marked[b] += 1
    return n_touched


@njit(cache=True)
def refine_function(step, labels, n_labels):
    """Coarsest partition refining ``labels`` that is stable under the function ``step``.

    Hopcroft's rule with one letter: a block leaves the worklist once; after a split only the
    smaller parts are queued, so each state is scanned in O(log n) splitters and the run is
    O(n log n). Returns (canonical labels, number of blocks, splitters processed).
    """
    n = step.size
    start, pre = _preimage_csr(step)
    elems, loc, block, first, end, work, in_work, n_work = _initial_partition(labels, n_labels, False)
    n_blocks = n_labels
    marked = np.zeros(n + 1, np.int32)
    touched = np.empty(n + 1, np.int32)
    buf = np.empty(n, np.int32)
    n_split = 0
    while n_work > 0:
        n_work -= 1
        s = work[n_work]
        in_work[s] = False
        n_split += 1
        m = 0
        for p in range(first[s], end[s]):
            y = elems[p]
            for q in range(start[y], start[y + 1]):
                buf[m] = pre[q]
                m += 1
        n_touched = _mark_front(buf, m, block, marked, touched, loc, first, elems)
        for t in range(n_touched):
            b = touched[t]
            k = marked[b]
            marked[b] = 0
            size = end[b] - first[b]
            if k == size:
                continue
            c = n_blocks
            n_blocks += 1
            if 2 * k <= size:  # the new block c is the marked (smaller) part
                first[c] = first[b]
                end[c] = first[b] + k
                first[b] = first[b] + k
            else:  # the new block c is the unmarked (smaller) part
                first[c] = first[b] + k
                end[c] = end[b]
                end[b] = first[b] + k
            for p in range(first[c], end[c]):
                block[elems[p]] = c
            work[n_work] = c  # c is the smaller part; b stays queued if it was
            n_work += 1
            in_work[c] = True
    out, k = _canonical_blocks(block, n)
    return out, k, n_split


@njit(cache=True)
def refine_lumpable(indptr, indices, weights, labels, n_labels, atol):
    """Coarsest partition refining ``labels`` that is strongly lumpable for P.

    ``indptr, indices, weights`` are P's transpose in CSR: the x with P[x, y] > 0 and their
    probabilities are ``indices[indptr[y]:indptr[y+1]]``, ``weights[...]``. A splitter C gives
    each state w(x) = P(x, C); each touched block is sorted by w and cut where consecutive values
    differ by more than ``atol`` (values <= atol join the states with w = 0). All parts but the
    largest are queued (Valmari & Franceschinis 2010), so the run is O(m log n) scans plus the
    sorts. Returns (canonical labels, number of blocks, splitters processed).
    """
    n = labels.size
    # every initial block is a splitter: leaving one out would trust the row sums to be exactly 1
    elems, loc, block, first, end, work, in_work, n_work = _initial_partition(labels, n_labels, True)
    n_blocks = n_labels
    marked = np.zeros(n + 1, np.int32)
    touched = np.empty(n + 1, np.int32)
    buf = np.empty(n, np.int32)
    w = np.zeros(n, np.float64)
    seen = np.zeros(n, np.bool_)
    n_split = 0
    while n_work > 0:
        n_work -= 1
        s = work[n_work]
        in_work[s] = False
        n_split += 1
        m = 0
        for p in range(first[s], end[s]):
            y = elems[p]
            for q in range(indptr[y], indptr[y + 1]):
                x = indices[q]
                if not seen[x]:
                    seen[x] = True
                    buf[m] = x
                    m += 1
                w[x] += weights[q]
        for i in range(m):
            seen[buf[i]] = False
        n_touched = _mark_front(buf, m, block, marked, touched, loc, first, elems)
        for t in range(n_touched):
            b = touched[t]
            k = marked[b]
            marked[b] = 0
            lo = first[b]
            hi = end[b]
            seg = elems[lo:lo + k].copy()
            vals = np.empty(k, np.float64)
            for i in range(k):
                vals[i] = -w[seg[i]]
            order = np.argsort(vals, kind="mergesort")  # decreasing w; near-zero values last
            for i in range(k):
                x = seg[order[i]]
                elems[lo + i] = x
                loc[x] = lo + i
            # cut points: the parts are [cuts[j], cuts[j+1])
            cuts = np.empty(k + 2, np.int32)
            n_cuts = 0
            cuts[n_cuts] = lo
            n_cuts += 1
            zero_from = lo + k  # first position of the "w = 0" part
            for i in range(k):
                if w[elems[lo + i]] <= atol:
                    zero_from = lo + i
                    break
            for i in range(1, zero_from - lo):
                if w[elems[lo + i - 1]] - w[elems[lo + i]] > atol:
                    cuts[n_cuts] = lo + i
                    n_cuts += 1
            if zero_from > lo and zero_from < hi:
                cuts[n_cuts] = zero_from
                n_cuts += 1
            cuts[n_cuts] = hi
            for i in range(k):
                w[elems[lo + i]] = 0.0
            n_parts = n_cuts
            if n_parts == 1:
                continue
            big = 0
            for j in range(n_parts):
                if cuts[j + 1] - cuts[j] > cuts[big + 1] - cuts[big]:
                    big = j
            for j in range(n_parts):
                if j == big:
                    first[b] = cuts[j]
                    end[b] = cuts[j + 1]
                    continue
                c = n_blocks
                n_blocks += 1
                first[c] = cuts[j]
                end[c] = cuts[j + 1]
                for p in range(first[c], end[c]):
                    block[elems[p]] = c
                work[n_work] = c
                n_work += 1
                in_work[c] = True
    out, k = _canonical_blocks(block, n)
    return out, k, n_split


@njit(cache=True, inline="always")
def _add_row(indptr, indices, data, labels, x, sign, acc, hit, lst, m):
    """acc[C] += sign P(x, C) for the blocks C that row x reaches; blocks not yet in ``lst[:m]``
    are appended (``hit`` marks them). Returns the new length m."""
    for q in range(indptr[x], indptr[x + 1]):
        c = labels[indices[q]]
        if not hit[c]:
            hit[c] = True
            lst[m] = c
            m += 1
        acc[c] += sign * data[q]
    return m


@njit(cache=True)
def lumping_defect(indptr, indices, data, labels, n_blocks):
    """max over blocks B, C and states x, x' in B of |P(x, C) - P(x', C)| (P in row CSR)."""
    n = labels.size
    rep = np.full(n_blocks, -1, np.int64)
    for x in range(n):
        if rep[labels[x]] < 0:
            rep[labels[x]] = x
    acc = np.zeros(n_blocks, np.float64)
    hit = np.zeros(n_blocks, np.bool_)
    lst = np.empty(n_blocks, np.int64)
    worst = 0.0
    for x in range(n):
        r = rep[labels[x]]
        if r == x:
            continue
        m = _add_row(indptr, indices, data, labels, x, 1.0, acc, hit, lst, 0)
        m = _add_row(indptr, indices, data, labels, r, -1.0, acc, hit, lst, m)
        for i in range(m):
            c = lst[i]
            d = abs(acc[c])
            if d > worst:
                worst = d
            acc[c] = 0.0
            hit[c] = False
    return worst


@njit(cache=True)
def run_to_halt(step, halted):
    """For every state: the halted state it reaches (-1 if it never halts) and the steps taken."""
    n = step.size
    final = np.full(n, -1, np.int64)
    steps = np.full(n, -1, np.int64)
    state = np.zeros(n, np.int8)  # 0 unseen, 1 on the current path, 2 resolved
    path = np.empty(n, np.int64)
    for x in range(n):
        if halted[x]:
            final[x] = x
            steps[x] = 0
            state[x] = 2
    for x0 in range(n):
        if state[x0] == 2:
            continue
        m = 0
        x = x0
        while state[x] == 0:
            state[x] = 1
            path[m] = x
            m += 1
            x = step[x]
        # x is resolved, or on the current path (a cycle without a halted state)
        f = final[x] if state[x] == 2 else -1
        s = steps[x] if state[x] == 2 else -1
        for i in range(m - 1, -1, -1):
            y = path[i]
            final[y] = f
            if f >= 0:
                s += 1
                steps[y] = s
            state[y] = 2
    return final, steps


@njit(cache=True)
def _xlog2x(v):
    return v * np.log2(v) if v > 0.0 else 0.0


@njit(cache=True)
def _column_term(J, i, j, c):
    """Change of sum J log J from merging rows i, j (in column c) and columns i, j (in row c)."""
    return (_xlog2x(J[i, c] + J[j, c]) - _xlog2x(J[i, c]) - _xlog2x(J[j, c])
            + _xlog2x(J[c, i] + J[c, j]) - _xlog2x(J[c, i]) - _xlog2x(J[c, j]))


@njit(cache=True)
def _merge_delta(J, Lg, mass, rowmass, alive, i, j):
    """Change of the error H(G'|G) - H(G'|A) when groups i and j merge, in O(k0)."""
    k0 = mass.size
    d = 0.0  # change of sum J log J (rows and columns i, j merged)
    for c in range(k0):
        if alive[c] and c != i and c != j:
            d += _column_term(J, i, j, c)
    d += _xlog2x(J[i, i] + J[i, j] + J[j, i] + J[j, j]) - _xlog2x(J[i, i]) - _xlog2x(J[i, j]) \
        - _xlog2x(J[j, i]) - _xlog2x(J[j, j])
    d_row = _xlog2x(rowmass[i] + rowmass[j]) - _xlog2x(rowmass[i]) - _xlog2x(rowmass[j])
    d_lump = 0.0  # change of sum_a mass[a] sum_g Lg log Lg (columns i, j merged)
    for a in range(k0):
        d_lump += mass[a] * (_xlog2x(Lg[a, i] + Lg[a, j]) - _xlog2x(Lg[a, i]) - _xlog2x(Lg[a, j]))
    # H(G'|G) = -sum J log J + sum rowmass log rowmass; H(G'|A) = -sum_a mass[a] sum_g Lg log Lg
    return -d + d_row + d_lump


@njit(cache=True)
def greedy_merges(joint, lumped, mass, group0):
    """Agglomerative coarsening of a complete abstraction with k0 blocks.

    ``joint[a, b]`` = P(block a now, block b next), ``lumped[a, b]`` = P(b | a) (the lumped chain),
    ``mass[a]`` = P(block a); blocks a, b may merge only when ``group0[a] == group0[b]``. The error
    of a grouping G is H(G' | G) - H(G' | A), A the starting blocks. The change of the error for
    every admissible pair is kept in a table: after a merge of (i, j), pairs that involve i are
    recomputed in O(k0) and the others change only in the two merged columns, O(1). Each step is
    O(k^2 + k k0), O(k0^3) for the whole curve.
    Returns the merged pairs (i, j), i < j, as group ids (a merged group keeps the id i).
    """
    k0 = mass.size
    alive = np.ones(k0, np.bool_)
    J = joint.copy()  # group x group
    Lg = lumped.copy()  # start block x group: P(group | start block)
    rowmass = np.zeros(k0, np.float64)
    for a in range(k0):
        for b in range(k0):
            rowmass[a] += J[a, b]
    D = np.full((k0, k0), np.inf)
    for i in range(k0):
        for j in range(i + 1, k0):
            if group0[i] == group0[j]:
                D[i, j] = _merge_delta(J, Lg, mass, rowmass, alive, i, j)
    merges = np.empty((k0, 2), np.int64)
    step = 0
    while True:
        best = np.inf
        bi = -1
        bj = -1
        for i in range(k0):
            if not alive[i]:
                continue
            for j in range(i + 1, k0):
                if alive[j] and D[i, j] < best:
                    best = D[i, j]
                    bi = i
                    bj = j
        if bi < 0:
            break
        for i in range(k0):  # unaffected pairs: take out their terms in columns bi, bj
            if not alive[i] or i == bi or i == bj:
                continue
            for j in range(i + 1, k0):
                if alive[j] and j != bi and j != bj and D[i, j] < np.inf:
                    D[i, j] += _column_term(J, i, j, bi) + _column_term(J, i, j, bj)
        for c in range(k0):
            J[bi, c] += J[bj, c]
            J[bj, c] = 0.0
        for c in range(k0):
            J[c, bi] += J[c, bj]
            J[c, bj] = 0.0
        for a in range(k0):
            Lg[a, bi] += Lg[a, bj]
            Lg[a, bj] = 0.0
        rowmass[bi] += rowmass[bj]
        rowmass[bj] = 0.0
        alive[bj] = False
        for i in range(k0):  # ... and put back the merged column's term
            if not alive[i] or i == bi:
                continue
            for j in range(i + 1, k0):
                if alive[j] and j != bi and D[i, j] < np.inf:
                    D[i, j] -= _column_term(J, i, j, bi)
        for c in range(k0):  # pairs with the merged group: from scratch
            if alive[c] and c != bi and group0[c] == group0[bi]:
                lo = min(c, bi)
                hi = max(c, bi)
                D[lo, hi] = _merge_delta(J, Lg, mass, rowmass, alive, lo, hi)
        merges[step, 0] = bi
        merges[step, 1] = bj
        step += 1
    return merges[:step]


@njit(cache=True)
def _lookup_or_insert(keys, vals, bits, key, new_val):
    """Open addressing (linear probing, Fibonacci hashing) in ``keys`` (empty slots hold -1).
    Returns the value stored under ``key``, inserting ``new_val`` when it is absent."""
    mask = (1 << bits) - 1
    h = np.int64((np.uint64(key) * np.uint64(11400714819323198485)) >> np.uint64(64 - bits))
    while True:
        k = keys[h]
        if k == key:
            return vals[h]
        if k == -1:
            keys[h] = key
            vals[h] = new_val
            return new_val
        h = (h + 1) & mask


@njit(cache=True)
def refine_function_forest(step, labels, n_labels):
    """Coarsest stable refinement for a function, in two parts (after Paige, Tarjan & Bonic 1985).

    The states on cycles only see each other: they are refined by :func:`refine_function`
    (O(c log c) for c cyclic states). Every other state x then has class
    (labels[x], class of step[x]): a breadth-first pass from the cycles along preimages gives the
    class by hash-consing these pairs, seeded with the pairs of the cyclic states, in O(n)
    expected time. Returns (canonical labels, number of blocks, splitters of the cyclic part).
    """
    n = step.size
    state = np.zeros(n, np.int8)
    path = np.empty(n, np.int32)
    on_cycle = np.zeros(n, np.bool_)
    n_cyc = 0
    for x0 in range(n):
        if state[x0] != 0:
            continue
        m = 0
        x = x0
        while state[x] == 0:
            state[x] = 1
            path[m] = x
            m += 1
            x = step[x]
        if state[x] == 1:  # a new cycle through x
            y = x
            while True:
                on_cycle[y] = True
                n_cyc += 1
                y = step[y]
                if y == x:
                    break
        for i in range(m):
            state[path[i]] = 2
    cyc = np.empty(n_cyc, np.int32)
    ids = np.full(n, -1, np.int32)
    j = 0
    for x in range(n):
        if on_cycle[x]:
            cyc[j] = x
            ids[x] = j
            j += 1
    sub_step = np.empty(n_cyc, np.int32)
    relabel = np.full(n_labels, -1, np.int32)
    sub_lab = np.empty(n_cyc, np.int32)
    k_sub = 0
    for i in range(n_cyc):
        sub_step[i] = ids[step[cyc[i]]]
        lab = labels[cyc[i]]
        if relabel[lab] < 0:
            relabel[lab] = k_sub
            k_sub += 1
        sub_lab[i] = relabel[lab]
    sub_out, n_class, n_split = refine_function(sub_step, sub_lab, k_sub)
    cls = np.full(n, -1, np.int64)
    for i in range(n_cyc):
        cls[cyc[i]] = sub_out[i]
    start, pre = _preimage_csr(step)
    queue = path  # reused: every state enters the queue once
    for i in range(n_cyc):
        queue[i] = cyc[i]
    if n_labels <= DIRECT_LABELS:  # child class of (class C, label l) at child[C * n_labels + l]
        child = np.full(n * n_labels, -1, np.int32)
        for i in range(n_cyc):
            c = cyc[i]
            child[cls[step[c]] * n_labels + labels[c]] = cls[c]
        head = 0
        tail = n_cyc
        while head < tail:
            y = queue[head]
            head += 1
            base = cls[y] * n_labels
            for q in range(start[y], start[y + 1]):
                x = pre[q]
                if on_cycle[x]:
                    continue
                v = child[base + labels[x]]
                if v < 0:
                    v = n_class
                    child[base + labels[x]] = v
                    n_class += 1
                cls[x] = v
                queue[tail] = x
                tail += 1
    else:
        bits = 4
        while (1 << bits) < 2 * n:
            bits += 1
        keys = np.full(1 << bits, -1, np.int64)
        vals = np.empty(1 << bits, np.int64)
        nl = np.int64(n_labels)
        for i in range(n_cyc):
            c = cyc[i]
            _lookup_or_insert(keys, vals, bits, cls[step[c]] * nl + labels[c], cls[c])
        head = 0
        tail = n_cyc
        while head < tail:
            y = queue[head]
            head += 1
            for q in range(start[y], start[y + 1]):
                x = pre[q]
                if on_cycle[x]:
                    continue
                v = _lookup_or_insert(keys, vals, bits, cls[y] * nl + labels[x], n_class)
                if v == n_class:
                    n_class += 1
                cls[x] = v
                queue[tail] = x
                tail += 1
    out, k = _canonical_blocks(cls, n)
    return out, k, n_split
