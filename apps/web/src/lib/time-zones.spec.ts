import { canonicalZone, zoneChoices } from './time-zones';

describe('time-zone choices', () => {
  it('uses canonical IANA names for the ids ICU still lists under old names', () => {
    expect(['Asia/Calcutta', 'Europe/Kiev', 'Asia/Saigon', 'Asia/Tokyo', 'Etc/UTC'].map(canonicalZone)).toEqual([
      'Asia/Kolkata',
      'Europe/Kyiv',
      'Asia/Ho_Chi_Minh',
      'Asia/Tokyo',
      'UTC',
    ]);
  });

  it('puts the browser’s zone and UTC first, then the rest once each, sorted', () => {
    const all = Intl.supportedValuesOf('timeZone');
    const choices = zoneChoices('Asia/Tokyo', 'Asia/Tokyo', all);
    expect(choices.slice(0, 2)).toEqual(['Asia/Tokyo', 'UTC']);
    expect(choices).toContain('Asia/Kolkata');
    expect(choices).not.toContain('Asia/Calcutta');
    expect(new Set(choices).size).toBe(choices.length);
    const rest = choices.slice(2);
    expect(rest).toEqual([...rest].sort());
    // A stored choice (even under an old name) stays selectable.
    expect(zoneChoices('Asia/Calcutta', 'Europe/Kiev', ['Asia/Tokyo']).slice(0, 3)).toEqual(['Asia/Kolkata', 'UTC', 'Europe/Kyiv']);
  });
});
