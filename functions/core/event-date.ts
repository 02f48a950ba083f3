import { EVENT_YEAR_MAX, EVENT_YEAR_MIN } from './limits.ts';

/**
 * Event dates, parsed by hand rather than by `Date`: `Date` accepts things ISO 8601 does not,
 * refuses some things it does (an hour-only offset), and rolls impossible days over into the
 * next month (`2024-02-30` becomes 1 March), which would silently collide with a real event.
 *
 * Accepted: `YYYY-MM-DD`, then `T`, `t` or a space (RFC 3339), then `hh:mm`, optionally `:ss`
 * and a fraction after `.` or `,` of any length, then an explicit offset: `Z`, `z`, `±hh`,
 * `±hhmm` or `±hh:mm`. `24:00:00` is the end of the day; a leap second (`:60`) is held at
 * `:59.999` of that minute, as it cannot be represented otherwise.
 *
 * Precision is the millisecond: digits below it are dropped (never rounded, so a date never
 * moves into the next second, day or year), and two dates that differ only below it are the
 * same instant here. The result is `toISOString()` (UTC, 24 characters), and it must fall in
 * years 0001–9999, so the ordering key keeps its fixed width.
 */

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?(?:([Zz])|([+-])(\d{2})(?::?(\d{2}))?)$/;

export const DATE_FORMAT_RULE = 'must be an ISO 8601 timestamp with a time zone';

export type ParsedDate =
  | { readonly success: true; readonly iso: string }
  | { readonly success: false; readonly rule: string };

const isLeapYear = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const daysIn = (year: number, month: number) =>
  month === 2 && isLeapYear(year) ? 29 : (DAYS_IN_MONTH[month - 1] ?? 0);

const failure = (rule: string): ParsedDate => ({ success: false, rule });

export const parseEventDate = (text: string): ParsedDate => {
  const match = DATE_TIME.exec(text);
  if (!match) return failure(DATE_FORMAT_RULE);
  const [, y, mo, d, h, mi, s = '0', fraction = '', zulu, sign, oh = '0', om = '0'] = match;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  let second = Number(s);
  let millisecond = Number(fraction.slice(0, 3).padEnd(3, '0'));
  if (month < 1 || month > 12) return failure('must have a month from 01 to 12');
  if (day < 1 || day > daysIn(year, month)) {
    return failure('must be a calendar date (that day does not exist in that month)');
  }
  if (minute > 59) return failure('must have minutes from 00 to 59');
  if (second > 60) return failure('must have seconds from 00 to 60');
  if (hour > 24 || (hour === 24 && (minute > 0 || second > 0 || /[1-9]/.test(fraction)))) {
    return failure('must have hours from 00 to 23 (or exactly 24:00:00)');
  }
  if (second === 60) {
    second = 59;
    millisecond = 999;
  }
  const offsetHours = Number(oh);
  const offsetMinutes = Number(om);
  if (zulu === undefined && (offsetHours > 23 || offsetMinutes > 59)) {
    return failure('must have an offset from -23:59 to +23:59');
  }
  const offsetMs =
    zulu === undefined ? (sign === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000 : 0;
  // setUTCFullYear, not Date.UTC: Date.UTC reads years 0–99 as 1900–1999.
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, second, millisecond);
  const utc = new Date(date.getTime() - offsetMs);
  const utcYear = utc.getUTCFullYear();
  if (utcYear < EVENT_YEAR_MIN || utcYear > EVENT_YEAR_MAX) {
    return failure('must fall within years 0001 to 9999 once converted to UTC');
  }
  return { success: true, iso: utc.toISOString() };
};

const HOUR_MS = 3_600_000;

/** `n h`, with up to two decimals, for messages. */
const hoursText = (ms: number): string => `${Number((ms / HOUR_MS).toFixed(2))} h`;

/**
 * Why an event dated `date` cannot be applied on `receivedAt`: it lies more than `skewMs` in
 * the future. An event from the future would become the greatest of its step and make every
 * real event after it `stale`, for ever; so it waits in quarantine until a replay finds it no
 * longer ahead. `undefined` when the date is acceptable. Both dates are ISO 8601 (UTC).
 */
export const futureDateProblem = (
  date: string,
  receivedAt: string,
  skewMs: number,
): { readonly path: string; readonly message: string } | undefined => {
  const ahead = Date.parse(date) - Date.parse(receivedAt);
  if (!(ahead > skewMs)) return undefined;
  const replayableFrom = new Date(Date.parse(date) - skewMs).toISOString();
  return {
    path: 'header.date',
    message: `is ${hoursText(ahead)} after the event was received (${receivedAt}); at most ${hoursText(skewMs)} ahead is accepted, so it is kept until a replay on or after ${replayableFrom}`,
  };
};
