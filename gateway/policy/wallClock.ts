// Wall-clock facts for policies (hour, weekday, business hours) in the gateway's time zone.
// Intl formatting costs microseconds, so the zone-dependent part is computed once per minute
// (UTC offsets only ever change on minute boundaries) and reused by every call in that minute.

// A type alias (not an interface) so it is assignable to Cedar's JSON value type as is.
export type TimeFacts = {
  hour: number;
  /** 0 = Sunday … 6 = Saturday. */
  weekday: number;
  /** Monday–Friday, 09:00–17:00 local time. */
  isBusinessHours: boolean;
  epochSeconds: number;
};

const WEEKDAYS: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };
const BUSINESS_START_HOUR = 9;
const BUSINESS_END_HOUR = 17;

export class WallClock {
  private readonly format: Intl.DateTimeFormat;
  private cachedMinute = Number.NaN;
  private cachedHour = 0;
  private cachedWeekday = 0;

  /** Throws RangeError for a time zone Intl does not know. */
  constructor(readonly timeZone: string) {
    this.format = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', hour: 'numeric', weekday: 'short' });
  }

  facts(now: Date): TimeFacts {
    const ms = now.getTime();
    if (!Number.isFinite(ms)) throw new RangeError('policy input `now` is not a valid date');
    const minute = Math.floor(ms / 60_000);
    if (minute !== this.cachedMinute) this.recompute(now, minute);
    const hour = this.cachedHour;
    const weekday = this.cachedWeekday;
    return {
      hour,
      weekday,
      isBusinessHours: weekday >= 1 && weekday <= 5 && hour >= BUSINESS_START_HOUR && hour < BUSINESS_END_HOUR,
      epochSeconds: Math.floor(ms / 1000),
    };
  }

  private recompute(now: Date, minute: number): void {
    let hour = 0;
    let weekday = 0;
    for (const part of this.format.formatToParts(now)) {
      if (part.type === 'hour') hour = Number(part.value);
      else if (part.type === 'weekday') weekday = WEEKDAYS[part.value] ?? 0;
    }
    this.cachedHour = hour;
    this.cachedWeekday = weekday;
    this.cachedMinute = minute;
  }
}
