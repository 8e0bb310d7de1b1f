/**
 * Sparse LU factorisation of a complex matrix with a structurally symmetric pattern (a nodal
 * admittance matrix), for repeated solves. Ordering by minimum degree on the elimination graph gives
 * no fill at all on a radial feeder and little on a meshed one; the symbolic pattern falls out of the
 * same elimination. No pivoting: admittance matrices of passive networks are factorised safely in
 * this order, and a zero pivot (a floating node) is reported with its index.
 *
 * Storage: L (unit lower) and U (upper, diagonal kept apart as its inverse) by rows in the permuted
 * order, split re/im Float64Arrays. `solve` allocates nothing.
 */

export class ZeroPivotError extends Error {
  constructor(readonly index: number) {
    super(`zero pivot at node ${index}`);
  }
}

/** Assembles a complex matrix from triplets (duplicates summed); storage grows by doubling. */
export class TripletMatrix {
  private rowsArr = new Int32Array(64);
  private colsArr = new Int32Array(64);
  private reArr = new Float64Array(64);
  private imArr = new Float64Array(64);
  private count = 0;
  constructor(readonly n: number) {}
  /** Number of triplets stored. */
  get length(): number {
    return this.count;
  }
  get rows(): Int32Array {
    return this.rowsArr.subarray(0, this.count);
  }
  get cols(): Int32Array {
    return this.colsArr.subarray(0, this.count);
  }
  get re(): Float64Array {
    return this.reArr.subarray(0, this.count);
  }
  get im(): Float64Array {
    return this.imArr.subarray(0, this.count);
  }
  add(i: number, j: number, re: number, im: number): void {
    if (re === 0 && im === 0 && i !== j) return;
    if (this.count === this.rowsArr.length) this.grow();
    const t = this.count++;
    this.rowsArr[t] = i;
    this.colsArr[t] = j;
    this.reArr[t] = re;
    this.imArr[t] = im;
  }
  private grow(): void {
    const size = 2 * this.rowsArr.length;
    const rows = new Int32Array(size);
    rows.set(this.rowsArr);
    const cols = new Int32Array(size);
    cols.set(this.colsArr);
    const re = new Float64Array(size);
    re.set(this.reArr);
    const im = new Float64Array(size);
    im.set(this.imArr);
    this.rowsArr = rows;
    this.colsArr = cols;
    this.reArr = re;
    this.imArr = im;
  }
}

/** Sorts a list in place: insertion sort for short ones (a feeder node has a dozen neighbours). */
function sortSmall(a: number[]): number[] {
  if (a.length > 32) return a.sort((x, y) => x - y);
  for (let i = 1; i < a.length; i++) {
    const x = a[i];
    let j = i - 1;
    while (j >= 0 && a[j] > x) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = x;
  }
  return a;
}

/** Sorts a[from…to) in place (insertion sort when short). */
function sortRange(a: Int32Array, from: number, to: number): void {
  if (to - from > 32) {
    a.subarray(from, to).sort();
    return;
  }
  for (let i = from + 1; i < to; i++) {
    const x = a[i];
    let j = i - 1;
    while (j >= from && a[j] > x) {
      a[j + 1] = a[j];
      j--;
    }
    a[j + 1] = x;
  }
}

/** Minimum-degree order of a symmetric pattern; also returns, per eliminated node, its later neighbours. */
function minimumDegree(n: number, adj: number[][], first?: Uint8Array): { perm: Int32Array; fill: number[][] } {
  // nodes marked `first` are ordered before all others (their key is their degree; the others' is
  // n + degree), by minimum degree among themselves
  const key = (v: number): number => (first === undefined || first[v] ? adj[v].length : n + adj[v].length);
  const perm = new Int32Array(n);
  const fill: number[][] = new Array(n);
  const eliminated = new Uint8Array(n);
  // binary heap of (degree, node) with lazy deletion
  const heapD: number[] = [];
  const heapV: number[] = [];
  const push = (d: number, v: number): void => {
    let i = heapD.length;
    heapD.push(d);
    heapV.push(v);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (heapD[p] < d || (heapD[p] === d && heapV[p] < v)) break;
      heapD[i] = heapD[p];
      heapV[i] = heapV[p];
      i = p;
    }
    heapD[i] = d;
    heapV[i] = v;
  };
  // the popped entry's degree (pop returns its node): no tuple per pop
  let poppedDegree = 0;
  const pop = (): number => {
    const d0 = heapD[0];
    const v0 = heapV[0];
    const d = heapD.pop()!;
    const v = heapV.pop()!;
    const size = heapD.length;
    if (size > 0) {
      let i = 0;
      while (true) {
        const l = 2 * i + 1;
        if (l >= size) break;
        let c = l;
        if (l + 1 < size && (heapD[l + 1] < heapD[l] || (heapD[l + 1] === heapD[l] && heapV[l + 1] < heapV[l]))) c = l + 1;
        if (heapD[c] > d || (heapD[c] === d && heapV[c] > v)) break;
        heapD[i] = heapD[c];
        heapV[i] = heapV[c];
        i = c;
      }
      heapD[i] = d;
      heapV[i] = v;
    }
    poppedDegree = d0;
    return v0;
  };
  // neighbour lists are short (a feeder node has a dozen at most): arrays and a stamp array beat Sets
  const mark = new Int32Array(n);
  let stamp = 0;
  for (let v = 0; v < n; v++) push(key(v), v);
  let k = 0;
  while (k < n) {
    const v = pop();
    const d = poppedDegree;
    if (eliminated[v] || d !== key(v)) continue;
    eliminated[v] = 1;
    perm[k++] = v;
    const nb = sortSmall(adj[v]);
    fill[v] = nb;
    for (let x = 0; x < nb.length; x++) {
      const list = adj[nb[x]];
      const at = list.indexOf(v);
      list[at] = list[list.length - 1];
      list.pop();
    }
    for (let x = 0; x < nb.length; x++) {
      const a = nb[x];
      const list = adj[a];
      stamp++;
      for (let q = 0; q < list.length; q++) mark[list[q]] = stamp;
      for (let y = x + 1; y < nb.length; y++) {
        const b = nb[y];
        if (mark[b] !== stamp) {
          list.push(b);
          adj[b].push(a);
        }
      }
    }
    for (let x = 0; x < nb.length; x++) push(key(nb[x]), nb[x]);
  }
  return { perm, fill };
}

export class SparseLU {
  readonly n: number;
  /** perm[k] = original index of the k-th pivot; iperm is its inverse. */
  readonly perm: Int32Array;
  readonly iperm: Int32Array;
  private readonly lPtr: Int32Array;
  private readonly lIdx: Int32Array;
  /** values interleaved (re, im) so that each entry is one cache line visit: L, U, 1/diagonal */
  private readonly lV: Float64Array;
  private readonly uPtr: Int32Array;
  private readonly uIdx: Int32Array;
  private readonly uV: Float64Array;
  private readonly dV: Float64Array;
  /** the work vector, interleaved, in permuted order */
  private readonly w: Float64Array;
  /** 0 … n−1, the rows of a full forward substitution */
  private readonly allRows: Int32Array;

  /** Factorises; throws ZeroPivotError (original index) for a singular matrix. */
  constructor(a: TripletMatrix, first?: Uint8Array) {
    const n = a.n;
    this.n = n;
    const rowsT = a.rows;
    const colsT = a.cols;
    const reT = a.re;
    const imT = a.im;
    const adj: number[][] = [];
    for (let v = 0; v < n; v++) adj.push([]);
    for (let t = 0; t < rowsT.length; t++) {
      const i = rowsT[t];
      const j = colsT[t];
      if (i !== j) {
        adj[i].push(j);
        adj[j].push(i);
      }
    }
    for (let v = 0; v < n; v++) {
      // sorted, without duplicates
      const list = sortSmall(adj[v]);
      let w = 0;
      for (let q = 0; q < list.length; q++) if (q === 0 || list[q] !== list[q - 1]) list[w++] = list[q];
      list.length = w;
    }
    const { perm, fill } = minimumDegree(n, adj, first);
    const iperm = new Int32Array(n);
    for (let k = 0; k < n; k++) iperm[perm[k]] = k;
    this.perm = perm;
    this.iperm = iperm;

    // filled pattern in permuted indices, as CSR: U row k = later neighbours of perm[k] (sorted);
    // L row i = the k < i whose U row holds i, increasing by construction (the transpose, k ascending)
    const uPtr = new Int32Array(n + 1);
    for (let k = 0; k < n; k++) uPtr[k + 1] = uPtr[k] + fill[perm[k]].length;
    const uIdx = new Int32Array(uPtr[n]);
    const lPtr = new Int32Array(n + 1);
    for (let k = 0; k < n; k++) {
      const f = fill[perm[k]];
      const start = uPtr[k];
      for (let q = 0; q < f.length; q++) {
        const i = iperm[f[q]];
        uIdx[start + q] = i;
        lPtr[i + 1]++;
      }
      sortRange(uIdx, start, start + f.length);
    }
    for (let i = 0; i < n; i++) lPtr[i + 1] += lPtr[i];
    const lIdx = new Int32Array(lPtr[n]);
    const lNext = lPtr.slice(0, n);
    for (let k = 0; k < n; k++) for (let q = uPtr[k]; q < uPtr[k + 1]; q++) lIdx[lNext[uIdx[q]]++] = k;
    this.uPtr = uPtr;
    this.uIdx = uIdx;
    this.lPtr = lPtr;
    this.lIdx = lIdx;

    // original values, by permuted row (duplicates summed in the dense work row)
    const aRowPtr = new Int32Array(n + 1);
    for (let t = 0; t < rowsT.length; t++) aRowPtr[iperm[rowsT[t]] + 1]++;
    for (let k = 0; k < n; k++) aRowPtr[k + 1] += aRowPtr[k];
    const aCol = new Int32Array(rowsT.length);
    const aRe = new Float64Array(rowsT.length);
    const aIm = new Float64Array(rowsT.length);
    const next = aRowPtr.slice(0, n);
    for (let t = 0; t < rowsT.length; t++) {
      const r = iperm[rowsT[t]];
      const p = next[r]++;
      aCol[p] = iperm[colsT[t]];
      aRe[p] = reT[t];
      aIm[p] = imT[t];
    }

    // numeric factorisation, row by row (IKJ), values interleaved re/im
    const lV = new Float64Array(2 * lIdx.length);
    const uV = new Float64Array(2 * uIdx.length);
    const dV = new Float64Array(2 * n);
    this.lV = lV;
    this.uV = uV;
    this.dV = dV;
    this.w = new Float64Array(2 * n);
    this.allRows = new Int32Array(n);
    for (let k = 0; k < n; k++) this.allRows[k] = k;
    const wr = new Float64Array(n);
    const wi = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      // scatter row i
      for (let p = aRowPtr[i]; p < aRowPtr[i + 1]; p++) {
        wr[aCol[p]] += aRe[p];
        wi[aCol[p]] += aIm[p];
      }
      // eliminate with earlier rows, in increasing order
      for (let p = lPtr[i]; p < lPtr[i + 1]; p++) {
        const k = lIdx[p];
        // l = w[k] / U_kk  (dV holds 1/U_kk)
        const xr = wr[k];
        const xi = wi[k];
        const lr = xr * dV[2 * k] - xi * dV[2 * k + 1];
        const li = xr * dV[2 * k + 1] + xi * dV[2 * k];
        wr[k] = 0;
        wi[k] = 0;
        lV[2 * p] = lr;
        lV[2 * p + 1] = li;
        for (let q = uPtr[k]; q < uPtr[k + 1]; q++) {
          const j = uIdx[q];
          const ur = uV[2 * q];
          const ui = uV[2 * q + 1];
          wr[j] -= lr * ur - li * ui;
          wi[j] -= lr * ui + li * ur;
        }
      }
      const pr = wr[i];
      const pi = wi[i];
      const mag = pr * pr + pi * pi;
      if (!(mag > 0) || !Number.isFinite(mag)) throw new ZeroPivotError(perm[i]);
      dV[2 * i] = pr / mag;
      dV[2 * i + 1] = -pi / mag;
      wr[i] = 0;
      wi[i] = 0;
      for (let q = uPtr[i]; q < uPtr[i + 1]; q++) {
        const j = uIdx[q];
        uV[2 * q] = wr[j];
        uV[2 * q + 1] = wi[j];
        wr[j] = 0;
        wi[j] = 0;
      }
    }
  }

  /**
   * The work vector of the permuted-space kernels below, interleaved (re at 2k, im at 2k + 1; row k
   * = original index perm[k]). A caller that iterates with a sparse right-hand side (the power flow)
   * scatters into it, runs `forward` and `backwardRows` over the reach of its non-zeros, and reads
   * the solution at the rows it needs.
   */
  get work(): Float64Array {
    return this.w;
  }

  /**
   * Back substitution over `rows` only (sorted increasing, visited in decreasing order), in place on
   * the work vector. Exact for those rows when `rows` is closed under elimination-tree ancestors (a
   * `reach` is): row i needs only the rows of U row i, which are its ancestors.
   */
  backwardRows(rows: Int32Array): void {
    this.backward(rows, false);
  }

  /**
   * `backwardRows` for rows whose forward value is zero (rows outside a reach): their entries of
   * the work vector are written, never read, so they need not be cleared first.
   */
  backwardRowsFromZero(rows: Int32Array): void {
    this.backward(rows, true);
  }

  private backward(rows: Int32Array, fromZero: boolean): void {
    const w = this.w;
    const uPtr = this.uPtr;
    const uIdx = this.uIdx;
    const uV = this.uV;
    const dV = this.dV;
    for (let r = rows.length - 1; r >= 0; r--) {
      const i = rows[r];
      let sr = fromZero ? 0 : w[2 * i];
      let si = fromZero ? 0 : w[2 * i + 1];
      for (let p = uPtr[i], e = uPtr[i + 1]; p < e; p++) {
        const j = 2 * uIdx[p];
        const ar = uV[2 * p];
        const ai = uV[2 * p + 1];
        const yr = w[j];
        const yi = w[j + 1];
        sr -= ar * yr - ai * yi;
        si -= ar * yi + ai * yr;
      }
      const dr = dV[2 * i];
      const di = dV[2 * i + 1];
      w[2 * i] = sr * dr - si * di;
      w[2 * i + 1] = sr * di + si * dr;
    }
  }

  /** Forward substitution (unit L) on the work vector, over `rows` in increasing order. */
  forward(rows: Int32Array): void {
    const w = this.w;
    const lPtr = this.lPtr;
    const lIdx = this.lIdx;
    const lV = this.lV;
    for (let r = 0; r < rows.length; r++) {
      const i = rows[r];
      let sr = w[2 * i];
      let si = w[2 * i + 1];
      for (let p = lPtr[i], e = lPtr[i + 1]; p < e; p++) {
        const k = 2 * lIdx[p];
        const ar = lV[2 * p];
        const ai = lV[2 * p + 1];
        const yr = w[k];
        const yi = w[k + 1];
        sr -= ar * yr - ai * yi;
        si -= ar * yi + ai * yr;
      }
      w[2 * i] = sr;
      w[2 * i + 1] = si;
    }
  }

  /**
   * The forward and back substitution restricted to `rows` (a `reach`, sorted), on a compact work
   * vector of their own (see ReachSubstitution).
   */
  restrict(rows: Int32Array): ReachSubstitution {
    return new ReachSubstitution(this.n, rows, this.lPtr, this.lIdx, this.lV, this.uPtr, this.uIdx, this.uV, this.dV);
  }

  /** Entries in L and U (a measure of the per-solve work). */
  get nnz(): number {
    return this.lIdx.length + this.uIdx.length + this.n;
  }

  /** Entries of L and U in the given rows (with the diagonal): the work of a forward and back pass over them. */
  rowsNnz(rows: Int32Array): number {
    let s = 0;
    for (const i of rows) s += this.lPtr[i + 1] - this.lPtr[i] + this.uPtr[i + 1] - this.uPtr[i] + 1;
    return s;
  }

  /**
   * Rows of the forward substitution that a right-hand side non-zero only at `nodes` (original
   * indices) can reach: their paths to the root of the elimination tree. Sorted; for
   * `solveSparse`.
   */
  reach(nodes: Int32Array): Int32Array {
    const n = this.n;
    const inReach = new Uint8Array(n);
    for (let q = 0; q < nodes.length; q++) {
      const o = nodes[q];
      // the parent of row k in the elimination tree is the first column of U row k
      for (let k = this.iperm[o]; k >= 0 && !inReach[k]; ) {
        inReach[k] = 1;
        k = this.uPtr[k] < this.uPtr[k + 1] ? this.uIdx[this.uPtr[k]] : -1;
      }
    }
    const rows: number[] = [];
    for (let k = 0; k < n; k++) if (inReach[k]) rows.push(k);
    return Int32Array.from(rows);
  }

  /**
   * Solves A·x = b for b non-zero only at `nodes` (values `bRe/bIm[k]` at `nodes[k]`), with
   * `reachRows = reach(nodes)`: the forward substitution visits only those rows.
   */
  solveSparse(nodes: Int32Array, bRe: Float64Array, bIm: Float64Array, reachRows: Int32Array, xRe: Float64Array, xIm: Float64Array): void {
    const w = this.w;
    w.fill(0);
    for (let k = 0; k < nodes.length; k++) {
      // += : two load nodes joined by a jumper share one row
      const i = this.iperm[nodes[k]];
      w[2 * i] += bRe[k];
      w[2 * i + 1] += bIm[k];
    }
    this.forward(reachRows);
    this.backwardRows(this.allRows);
    this.gather(xRe, xIm);
  }

  /** Solves A·x = b; b and x in original indexing (may be the same arrays). */
  solve(bRe: Float64Array, bIm: Float64Array, xRe: Float64Array, xIm: Float64Array): void {
    const perm = this.perm;
    const w = this.w;
    for (let i = 0; i < this.n; i++) {
      w[2 * i] = bRe[perm[i]];
      w[2 * i + 1] = bIm[perm[i]];
    }
    this.forward(this.allRows);
    this.backwardRows(this.allRows);
    this.gather(xRe, xIm);
  }

  /** Un-permutes the work vector into x. */
  private gather(xRe: Float64Array, xIm: Float64Array): void {
    const perm = this.perm;
    const w = this.w;
    for (let i = 0; i < this.n; i++) {
      const o = perm[i];
      xRe[o] = w[2 * i];
      xIm[o] = w[2 * i + 1];
    }
  }
}

/**
 * Forward and back substitution over the rows of a reach only, renumbered 0…R−1 with their L and U
 * entries copied into compact arrays: for a right-hand side that is non-zero only on the reach's
 * load rows, every row outside the reach stays zero in forward substitution, so the L entries that
 * point outside it (the side branches of the elimination tree: the pass-through nodes eliminated
 * first, see compile.ts) are dropped, and back substitution over the reach needs only rows inside it
 * (a U row holds elimination-tree ancestors). The power flow iterates on `work` (interleaved re/im,
 * position k = row rows[k]) and hands the result to the full LU with `storeInto` once per solve.
 * The values are copied at construction; `refresh` copies them again after a numeric
 * refactorisation of the same pattern.
 */
export class ReachSubstitution {
  readonly rows: Int32Array;
  /** LU row → position in `rows` (−1: outside the reach) */
  readonly position: Int32Array;
  /** the compact work vector, interleaved re/im by position */
  readonly work: Float64Array;
  /** L and U entries kept (with the diagonal): the work of one `solve` */
  readonly nnz: number;
  private readonly lPtr: Int32Array;
  /** 2 × position of each kept L entry's column; its source index in the LU's L */
  private readonly lCol: Int32Array;
  private readonly lSrc: Int32Array;
  private readonly lV: Float64Array;
  private readonly uPtr: Int32Array;
  private readonly uCol: Int32Array;
  private readonly uSrc: Int32Array;
  private readonly uV: Float64Array;
  private readonly dV: Float64Array;

  constructor(
    n: number,
    rows: Int32Array,
    lPtr: Int32Array,
    lIdx: Int32Array,
    private readonly luL: Float64Array,
    uPtr: Int32Array,
    uIdx: Int32Array,
    private readonly luU: Float64Array,
    private readonly luD: Float64Array,
  ) {
    const r = rows.length;
    this.rows = rows;
    const position = new Int32Array(n).fill(-1);
    for (let k = 0; k < r; k++) position[rows[k]] = k;
    this.position = position;
    this.work = new Float64Array(2 * r);
    const lp = new Int32Array(r + 1);
    const up = new Int32Array(r + 1);
    const lSrc: number[] = [];
    const uSrc: number[] = [];
    const lCol: number[] = [];
    const uCol: number[] = [];
    for (let k = 0; k < r; k++) {
      const i = rows[k];
      for (let p = lPtr[i]; p < lPtr[i + 1]; p++) {
        const c = position[lIdx[p]];
        if (c < 0) continue;
        lSrc.push(p);
        lCol.push(2 * c);
      }
      lp[k + 1] = lSrc.length;
      for (let p = uPtr[i]; p < uPtr[i + 1]; p++) {
        const c = position[uIdx[p]];
        if (c < 0) throw new Error('unreachable: a reach is closed under elimination-tree ancestors');
        uSrc.push(p);
        uCol.push(2 * c);
      }
      up[k + 1] = uSrc.length;
    }
    this.lPtr = lp;
    this.uPtr = up;
    this.lCol = Int32Array.from(lCol);
    this.uCol = Int32Array.from(uCol);
    this.lSrc = Int32Array.from(lSrc);
    this.uSrc = Int32Array.from(uSrc);
    this.lV = new Float64Array(2 * lSrc.length);
    this.uV = new Float64Array(2 * uSrc.length);
    this.dV = new Float64Array(2 * r);
    this.nnz = lSrc.length + uSrc.length + r;
    this.refresh();
  }

  /** Copies the LU's present values (after a refactorisation with the same pattern). */
  refresh(): void {
    const { lSrc, uSrc, lV, uV, dV, luL, luU, luD, rows } = this;
    for (let q = 0; q < lSrc.length; q++) {
      lV[2 * q] = luL[2 * lSrc[q]];
      lV[2 * q + 1] = luL[2 * lSrc[q] + 1];
    }
    for (let q = 0; q < uSrc.length; q++) {
      uV[2 * q] = luU[2 * uSrc[q]];
      uV[2 * q + 1] = luU[2 * uSrc[q] + 1];
    }
    for (let k = 0; k < rows.length; k++) {
      dV[2 * k] = luD[2 * rows[k]];
      dV[2 * k + 1] = luD[2 * rows[k] + 1];
    }
  }

  /** Forward then back substitution in place on `work` (the right-hand side scattered into it). */
  solve(): void {
    const w = this.work;
    const r = this.rows.length;
    const lPtr = this.lPtr;
    const lCol = this.lCol;
    const lV = this.lV;
    for (let i = 0; i < r; i++) {
      const e = lPtr[i + 1];
      let p = lPtr[i];
      if (p === e) continue;
      let sr = w[2 * i];
      let si = w[2 * i + 1];
      for (; p < e; p++) {
        const k = lCol[p];
        const ar = lV[2 * p];
        const ai = lV[2 * p + 1];
        const yr = w[k];
        const yi = w[k + 1];
        sr -= ar * yr - ai * yi;
        si -= ar * yi + ai * yr;
      }
      w[2 * i] = sr;
      w[2 * i + 1] = si;
    }
    const uPtr = this.uPtr;
    const uCol = this.uCol;
    const uV = this.uV;
    const dV = this.dV;
    for (let i = r - 1; i >= 0; i--) {
      let sr = w[2 * i];
      let si = w[2 * i + 1];
      for (let p = uPtr[i], e = uPtr[i + 1]; p < e; p++) {
        const j = uCol[p];
        const ar = uV[2 * p];
        const ai = uV[2 * p + 1];
        const yr = w[j];
        const yi = w[j + 1];
        sr -= ar * yr - ai * yi;
        si -= ar * yi + ai * yr;
      }
      const dr = dV[2 * i];
      const di = dV[2 * i + 1];
      w[2 * i] = sr * dr - si * di;
      w[2 * i + 1] = sr * di + si * dr;
    }
  }

  /**
   * Puts the result into the full LU's work vector at the reach rows; `backwardRowsFromZero(rest)`
   * then completes the back substitution (every other row's forward value is zero).
   */
  storeInto(full: Float64Array): void {
    const w = this.work;
    const rows = this.rows;
    for (let k = 0; k < rows.length; k++) {
      full[2 * rows[k]] = w[2 * k];
      full[2 * rows[k] + 1] = w[2 * k + 1];
    }
  }
}
