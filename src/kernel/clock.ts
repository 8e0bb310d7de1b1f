/**
 * The one clock parser of the project (DESIGN rule 14; issue 11). Simulated time is seconds from
 * 00:00 of the scenario's first day (`solar.date`). A time of day is written `H:MM` or `HH:MM`
 * (hours 0–24, minutes 0–59; `24:00` is the end of a day); a time on a later day is written
 * `D+HH:MM`, D whole days after the first (`1+06:00` is 06:00 of the second day, `7+00:00` the end
 * of a week). Times are compared as numbers, never as strings. Labels print the same way, so a
 * one-day horizon's labels are unchanged (`17:15`) and later days read `1+17:15`.
 */

export const DAY_S = 86_400;
/** The longest horizon a scenario may span, days (a leap year). */
export const MAX_HORIZON_DAYS = 366;

const CLOCK = /^(?:(\d{1,3})\+)?(\d{1,2}):(\d{2})$/;

/** The format in words, for error messages. */
export const CLOCK_FORMAT = "HH:MM (00:00–24:00) or D+HH:MM for day D after the first (e.g. '1+06:00')";

/** Parses a clock time into seconds from the first day's 00:00, or returns why it is not one. */
export function parseClock(text: string): { seconds: number } | { error: string } {
  const m = CLOCK.exec(text);
  if (!m) return { error: `'${text.length > 20 ? `${text.slice(0, 20)}…` : text}' is not a time: expected ${CLOCK_FORMAT}` };
  const day = m[1] === undefined ? 0 : Number(m[1]);
  const h = Number(m[2]);
  const min = Number(m[3]);
  if (min > 59) return { error: `'${text}': minutes must be 00–59` };
  if (h > 24 || (h === 24 && min > 0)) return { error: `'${text}': hours must be 00–24 (24:00 only as the end of a day)` };
  if (day > MAX_HORIZON_DAYS) return { error: `'${text}': day ${day} is beyond the ${MAX_HORIZON_DAYS}-day limit` };
  return { seconds: day * DAY_S + (h * 60 + min) * 60 };
}

/** Seconds of a time already validated by the schema. */
export function clockSeconds(text: string): number {
  const r = parseClock(text);
  if ('error' in r) throw new Error(r.error);
  return r.seconds;
}

/** The label of simulated time `s` (seconds, rounded to the minute): `HH:MM`, or `D+HH:MM` after the first day. */
export function clockLabel(s: number): string {
  const m = Math.round(s / 60);
  const day = Math.floor(m / 1440);
  const inDay = m - day * 1440;
  const hhmm = `${String(Math.floor(inDay / 60)).padStart(2, '0')}:${String(inDay % 60).padStart(2, '0')}`;
  return day > 0 ? `${day}+${hhmm}` : hhmm;
}

/** Checks an ISO calendar date `YYYY-MM-DD` (a real day: no 2019-13-45, no 2019-02-29); returns why not, or undefined. */
export function checkIsoDate(text: string): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!m) return 'expected YYYY-MM-DD';
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12) return `'${text}': month must be 01–12`;
  const days = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  if (d < 1 || d > days) return `'${text}': day must be 01–${days} in that month`;
  return undefined;
}
