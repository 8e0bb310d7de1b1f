/**
 * Seeded pseudo-random numbers (DESIGN rule 7): sfc32 seeded through splitmix32 from a number or a
 * string, so a scenario's `seed` and an agent's id give an independent, reproducible stream.
 * Simulation code never calls Math.random.
 */

function splitmix32(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x9e3779b9) >>> 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function hashString(s: string): number {
  let h = 2166136261 >>> 0;
  for (let k = 0; k < s.length; k++) h = Math.imul(h ^ s.charCodeAt(k), 16777619) >>> 0;
  return h;
}

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number | string, restored?: readonly number[]) {
    if (restored) {
      // `restore`: the state as it was, without seeding (agents restore their stream every period)
      this.a = restored[0];
      this.b = restored[1];
      this.c = restored[2];
      this.d = restored[3];
      return;
    }
    const next = splitmix32(typeof seed === 'string' ? hashString(seed) : seed);
    this.a = next();
    this.b = next();
    this.c = next();
    this.d = next();
    for (let k = 0; k < 12; k++) this.nextUint();
  }

  /** The generator's state, as plain numbers: `Rng.restore` continues the stream exactly. */
  snapshot(): [number, number, number, number] {
    return [this.a, this.b, this.c, this.d];
  }

  /** A generator continuing from a `snapshot`. */
  static restore(state: readonly number[]): Rng {
    return new Rng(0, state);
  }

  /** A child stream, independent of this one, for `label` (e.g. an agent id). */
  fork(label: string): Rng {
    return new Rng(`${this.nextUint()}:${label}`);
  }

  nextUint(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t;
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.nextUint() / 4294967296;
  }

  /** Normal(mean, sd) by Box–Muller. */
  normal(mean = 0, sd = 1): number {
    const u = 1 - this.next();
    const v = this.next();
    return mean + sd * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }
}
