/**
 * Small complex helpers for model building (not for hot loops, which work on split re/im typed
 * arrays). A complex matrix is `CMatrix`: order n, row-major re and im arrays.
 */

export interface Complex {
  re: number;
  im: number;
}

export interface CMatrix {
  readonly n: number;
  readonly re: Float64Array;
  readonly im: Float64Array;
}

export function cmatrix(n: number): CMatrix {
  return { n, re: new Float64Array(n * n), im: new Float64Array(n * n) };
}

/** Doubles per shared block of `packedMatrix` (512 kB). */
const BLOCK = 1 << 16;
let block = new Float64Array(BLOCK);
let blockAt = 0;

/**
 * A zeroed matrix whose re and im are views into a shared block, for the many small matrices a
 * feeder's elements keep (IEEE 8500: some 16,000 primitive admittances, each of two separate
 * buffers a malloc'd, GC-tracked ArrayBuffer: a tenth of the first load's time). The views are
 * ordinary Float64Arrays of the right length; do not transfer or structuredClone them (that would
 * copy their whole block). Element states (which controls clone) keep `cmatrix` ones.
 */
export function packedMatrix(n: number): CMatrix {
  const size = n * n;
  if (8 * size > BLOCK) return cmatrix(n);
  if (blockAt + 2 * size > BLOCK) {
    block = new Float64Array(BLOCK);
    blockAt = 0;
  }
  const re = block.subarray(blockAt, blockAt + size);
  const im = block.subarray(blockAt + size, blockAt + 2 * size);
  blockAt += 2 * size;
  return { n, re, im };
}

/** Gauss-Jordan work rows of `cinvert`, grown on demand and reused (one inversion at a time). */
let workRe = new Float64Array(0);
let workIm = new Float64Array(0);

export function cdiv(a: Complex, b: Complex): Complex {
  const d = b.re * b.re + b.im * b.im;
  return { re: (a.re * b.re + a.im * b.im) / d, im: (a.im * b.re - a.re * b.im) / d };
}

export function cmul(a: Complex, b: Complex): Complex {
  return { re: a.re * b.re - a.im * b.im, im: a.re * b.im + a.im * b.re };
}

export function polar(mag: number, angleRad: number): Complex {
  return { re: mag * Math.cos(angleRad), im: mag * Math.sin(angleRad) };
}

/**
 * Inverts a complex matrix by Gauss-Jordan elimination with partial pivoting. Returns undefined
 * when the matrix is singular (pivot magnitude below `eps` × max element). The inverse is written
 * into `into` (order n, may not be `m`) when given, else into a new matrix.
 */
export function cinvert(m: CMatrix, eps = 1e-300, into?: CMatrix): CMatrix | undefined {
  const n = m.n;
  const w = 2 * n;
  if (workRe.length < n * w) {
    workRe = new Float64Array(n * w);
    workIm = new Float64Array(n * w);
  }
  const ar = workRe;
  const ai = workIm;
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      ar[r * w + c] = m.re[r * n + c];
      ai[r * w + c] = m.im[r * n + c];
      ar[r * w + n + c] = 0;
      ai[r * w + n + c] = 0;
    }
    ar[r * w + n + r] = 1;
  }
  for (let col = 0; col < n; col++) {
    let piv = col;
    let best = -1;
    for (let r = col; r < n; r++) {
      const mag = Math.hypot(ar[r * w + col], ai[r * w + col]);
      if (mag > best) {
        best = mag;
        piv = r;
      }
    }
    if (!(best > eps)) return undefined;
    if (piv !== col) {
      for (let c = 0; c < w; c++) {
        let t = ar[col * w + c];
        ar[col * w + c] = ar[piv * w + c];
        ar[piv * w + c] = t;
        t = ai[col * w + c];
        ai[col * w + c] = ai[piv * w + c];
        ai[piv * w + c] = t;
      }
    }
    const pr = ar[col * w + col];
    const pi = ai[col * w + col];
    const d = pr * pr + pi * pi;
    const ir = pr / d;
    const ii = -pi / d;
    for (let c = 0; c < w; c++) {
      const xr = ar[col * w + c];
      const xi = ai[col * w + c];
      ar[col * w + c] = xr * ir - xi * ii;
      ai[col * w + c] = xr * ii + xi * ir;
    }
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const fr = ar[r * w + col];
      const fi = ai[r * w + col];
      if (fr === 0 && fi === 0) continue;
      for (let c = 0; c < w; c++) {
        const xr = ar[col * w + c];
        const xi = ai[col * w + c];
        ar[r * w + c] -= fr * xr - fi * xi;
        ai[r * w + c] -= fr * xi + fi * xr;
      }
    }
  }
  const out = into ?? cmatrix(n);
  for (let r = 0; r < n; r++) {
    for (let c = 0; c < n; c++) {
      out.re[r * n + c] = ar[r * w + n + c];
      out.im[r * n + c] = ai[r * w + n + c];
    }
  }
  return out;
}

/** Scales a complex matrix by a real factor, in place; returns it. */
export function cscale(m: CMatrix, f: number): CMatrix {
  for (let k = 0; k < m.re.length; k++) {
    m.re[k] *= f;
    m.im[k] *= f;
  }
  return m;
}
