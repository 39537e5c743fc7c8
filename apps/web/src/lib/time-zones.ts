import { isValidTimeZone } from './format';

/**
 * Zone ids that ICU (and so `Intl.supportedValuesOf`) still lists under their old names, and
 * the canonical IANA names they were renamed to.
 */
const RENAMED: Readonly<Record<string, string>> = {
  'Africa/Asmera': 'Africa/Asmara',
  'America/Buenos_Aires': 'America/Argentina/Buenos_Aires',
  'America/Catamarca': 'America/Argentina/Catamarca',
  'America/Coral_Harbour': 'America/Atikokan',
  'America/Cordoba': 'America/Argentina/Cordoba',
  'America/Godthab': 'America/Nuuk',
  'America/Indianapolis': 'America/Indiana/Indianapolis',
  'America/Jujuy': 'America/Argentina/Jujuy',
  'America/Louisville': 'America/Kentucky/Louisville',
  'America/Mendoza': 'America/Argentina/Mendoza',
  'Asia/Calcutta': 'Asia/Kolkata',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'Asia/Rangoon': 'Asia/Yangon',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
  'Atlantic/Faeroe': 'Atlantic/Faroe',
  'Europe/Kiev': 'Europe/Kyiv',
  'Pacific/Enderbury': 'Pacific/Kanton',
  'Pacific/Ponape': 'Pacific/Pohnpei',
  'Pacific/Truk': 'Pacific/Chuuk',
  'Etc/UTC': 'UTC',
  'Etc/GMT': 'UTC',
};

/** The canonical IANA name of a zone id (unchanged when it already is one or the runtime does not know the new name). */
export function canonicalZone(zone: string): string {
  const renamed = RENAMED[zone];
  return renamed && isValidTimeZone(renamed) ? renamed : zone;
}

/** The time-zone picker's choices: the browser's zone and UTC first, then every other zone by canonical name, alphabetically. */
export function zoneChoices(browserZone: string, current: string, supported: readonly string[]): string[] {
  const first = [canonicalZone(browserZone), 'UTC', canonicalZone(current)];
  const rest = [...new Set(supported.map(canonicalZone))].filter((z) => !first.includes(z)).sort();
  return [...new Set(first), ...rest];
}
