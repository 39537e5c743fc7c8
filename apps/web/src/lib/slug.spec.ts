import { TENANT_SLUG_RE } from '@meridian/api-contract';
import { suggestSlug } from './slug';

describe('suggestSlug', () => {
  it('derives a valid slug from a display name', () => {
    expect(suggestSlug('ACME Corp.')).toBe('acme-corp');
    expect(suggestSlug('  Café  Tokyo  ')).toBe('cafe-tokyo');
    expect(suggestSlug('x'.repeat(39) + ' y')).toMatch(TENANT_SLUG_RE);
  });

  it('suggests nothing when the name has too few latin letters or digits', () => {
    expect(suggestSlug('株式会社')).toBe('');
    expect(suggestSlug('ab')).toBe('');
  });
});
