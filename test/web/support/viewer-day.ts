/**
 * A viewer's time zone where it is about noon at `now`, so "the last ten minutes" is today and
 * "the hour before midnight" yesterday whenever a test runs; the figures routes take the zone as
 * minutes east of UTC (-720..720).
 */
export function noonViewer(now: number): { tz: number; dayStart: number } {
  const utcMinutes = Math.floor((now % 86_400_000) / 60_000);
  const tz = ((((12 * 60 - utcMinutes) % 1440) + 1440 + 720) % 1440) - 720;
  const dayStart = Math.floor((now + tz * 60_000) / 86_400_000) * 86_400_000 - tz * 60_000;
  return { tz, dayStart };
}
