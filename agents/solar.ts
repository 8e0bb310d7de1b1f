/**
 * Clear-sky PV model for prosumers: sun position from the NOAA solar-position equations (Spencer's
 * Fourier series for the equation of time and declination, as in Iqbal, "An Introduction to Solar
 * Radiation", 1983, ch. 1), global horizontal irradiance from the Haurwitz clear-sky model
 * (GHI = 1098·cos θz·exp(−0.057 / cos θz) W/m², Haurwitz 1945; recommended by Reno, Hansen & Stein,
 * "Global horizontal irradiance clear sky models", Sandia SAND2012-2389), and PV output proportional
 * to GHI over 1000 W/m² times a derate (horizontal modules; losses lumped in the derate).
 */

export interface SolarSite {
  readonly latitudeDeg: number;
  /** east positive */
  readonly longitudeDeg: number;
  /** day of year, 1 = 1 January */
  readonly dayOfYear: number;
  /** local clock time minus UTC, hours (Krk in June: +2) */
  readonly utcOffsetH: number;
}

/** Day of year of an ISO date (YYYY-MM-DD). */
export function dayOfYear(isoDate: string): number {
  const [y, m, d] = isoDate.split('-').map(Number);
  const start = Date.UTC(y, 0, 1);
  return Math.round((Date.UTC(y, m - 1, d) - start) / 86400000) + 1;
}

/** Cosine of the solar zenith angle at local clock time `hour` (h). */
export function cosZenith(site: SolarSite, hour: number): number {
  const g = (2 * Math.PI * (site.dayOfYear - 1 + (hour - 12) / 24)) / 365;
  // equation of time (min) and declination (rad), Spencer 1971
  const eot = 229.18 * (0.000075 + 0.001868 * Math.cos(g) - 0.032077 * Math.sin(g) - 0.014615 * Math.cos(2 * g) - 0.040849 * Math.sin(2 * g));
  const decl = 0.006918 - 0.399912 * Math.cos(g) + 0.070257 * Math.sin(g) - 0.006758 * Math.cos(2 * g) + 0.000907 * Math.sin(2 * g) - 0.002697 * Math.cos(3 * g) + 0.00148 * Math.sin(3 * g);
  const solarTimeMin = hour * 60 + eot + 4 * site.longitudeDeg - 60 * site.utcOffsetH;
  const hourAngle = ((solarTimeMin / 4 - 180) * Math.PI) / 180;
  const lat = (site.latitudeDeg * Math.PI) / 180;
  return Math.sin(lat) * Math.sin(decl) + Math.cos(lat) * Math.cos(decl) * Math.cos(hourAngle);
}

/** Clear-sky global horizontal irradiance, W/m² (Haurwitz). */
export function clearSkyGhi(site: SolarSite, hour: number): number {
  const cz = cosZenith(site, hour);
  if (cz <= 0.01) return 0;
  return 1098 * cz * Math.exp(-0.057 / cz);
}

/** PV output of a `kwp` system at `hour`, kW (≥ 0). */
export function pvOutputKw(site: SolarSite, kwp: number, hour: number, derate = 0.85): number {
  return (kwp * derate * clearSkyGhi(site, hour)) / 1000;
}

/** Mean PV output over [fromH, toH), kW, by the midpoint rule on one-minute slices. */
export function meanPvKw(site: SolarSite, kwp: number, fromH: number, toH: number, derate = 0.85): number {
  const n = Math.max(1, Math.round((toH - fromH) * 60));
  let s = 0;
  for (let k = 0; k < n; k++) s += pvOutputKw(site, kwp, fromH + ((k + 0.5) * (toH - fromH)) / n, derate);
  return s / n;
}

/**
 * Where a prosumer's PV comes from (seed 004 takes its 1 June profile from NREL's "Solar Power Data
 * for Integration Studies"): the clear-sky model above, or a measured profile — samples of output
 * per kWp (kW/kWp, losses included) at clock hours, linear between samples. Hours are on the
 * scenario's clock, the same clock as `solar.utc_offset_h` (standard time: +1 in Croatia; summer: +2).
 */
export type PvProfile =
  | { readonly kind: 'clear-sky'; readonly site: SolarSite; readonly derate: number }
  | { readonly kind: 'file'; readonly hours: readonly number[]; readonly kwPerKwp: readonly number[] };

/** PV output per kWp at clock `hour`, kW/kWp (≥ 0). */
export function pvKwPerKwp(profile: PvProfile, hour: number): number {
  if (profile.kind === 'clear-sky') return pvOutputKw(profile.site, 1, hour, profile.derate);
  const h = profile.hours;
  const v = profile.kwPerKwp;
  if (hour <= h[0]) return v[0];
  if (hour >= h[h.length - 1]) return v[v.length - 1];
  let lo = 0;
  let hi = h.length - 1;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (h[mid] <= hour) lo = mid;
    else hi = mid;
  }
  return v[lo] + ((v[hi] - v[lo]) * (hour - h[lo])) / (h[hi] - h[lo]);
}

/**
 * Mean PV output of a `kwp` system over [fromH, toH), kW, by the midpoint rule on one-minute slices.
 * `clearSkyIndex` (agents/clouds.ts) multiplies the profile at each slice; the output of a slice is
 * then capped at the system's rating `kwp` (cloud enhancement cannot push an inverter past it).
 */
export function meanProfileKw(profile: PvProfile, kwp: number, fromH: number, toH: number, clearSkyIndex?: (hour: number) => number): number {
  return meanOfSlices(profileSlices(profile, fromH, toH), kwp, clearSkyIndex);
}

/** The one-minute slices of [fromH, toH) the midpoint rule takes: their clock hours and the profile's kW/kWp there. */
export function profileSlices(profile: PvProfile, fromH: number, toH: number): { readonly hours: Float64Array; readonly kwPerKwp: Float64Array } {
  const n = Math.max(1, Math.round((toH - fromH) * 60));
  const hours = new Float64Array(n);
  const kwPerKwp = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    hours[k] = fromH + ((k + 0.5) * (toH - fromH)) / n;
    kwPerKwp[k] = pvKwPerKwp(profile, hours[k]);
  }
  return { hours, kwPerKwp };
}

/** Mean output of a `kwp` system over `slices` (see `meanProfileKw`), kW. */
export function meanOfSlices(slices: ReturnType<typeof profileSlices>, kwp: number, clearSkyIndex?: (hour: number) => number): number {
  const { hours, kwPerKwp } = slices;
  let s = 0;
  for (let k = 0; k < hours.length; k++) s += clearSkyIndex ? Math.min(1, Math.max(0, kwPerKwp[k] * clearSkyIndex(hours[k]))) : kwPerKwp[k];
  return (kwp * s) / hours.length;
}
