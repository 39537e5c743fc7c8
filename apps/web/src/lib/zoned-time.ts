/**
 * Wall-clock text (`2026-05-01 09:30:15`, 24 h in every language) ↔ epoch ms in the user's
 * chosen time zone (which may differ from the browser's, so no input's own local-time
 * conversion can be used; `datetime-local` would also show AM/PM in English).
 */
const WALL_RE = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/;

const formats = new Map<string, Intl.DateTimeFormat>();

function wallParts(ms: number, timeZone: string): number[] {
  let fmt = formats.get(timeZone);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formats.set(timeZone, fmt);
  }
  const p = Object.fromEntries(fmt.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  return [p.year, p.month, p.day, p.hour, p.minute, p.second].map(Number);
}

/** Offset of the zone from UTC at `ms` (positive east of Greenwich). */
function offsetAt(ms: number, timeZone: string): number {
  const [y, mo, d, h, mi, s] = wallParts(ms, timeZone);
  return Date.UTC(y, mo - 1, d, h, mi, s) - (ms - (((ms % 1000) + 1000) % 1000));
}

/** `2026-05-01 09:30:00` (wall clock in `timeZone`, 24 h) for an instant; seconds included. Also `fmt.dateTime`. */
export function toZonedInput(ms: number, timeZone: string): string {
  const [y, mo, d, h, mi, s] = wallParts(ms, timeZone);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${y}-${two(mo)}-${two(d)} ${two(h)}:${two(mi)}:${two(s)}`;
}

/**
 * The instant a wall-clock text means in `timeZone`, or undefined when it is not one. In a
 * DST gap the later offset wins (02:30 on a spring-forward day is read as 03:30).
 */
export function fromZonedInput(text: string, timeZone: string): number | undefined {
  const m = WALL_RE.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s = 0] = m.slice(1).map((v) => (v === undefined ? 0 : Number(v)));
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  if (Number.isNaN(wall)) return undefined;
  const guess = wall - offsetAt(wall, timeZone);
  return wall - offsetAt(guess, timeZone);
}
