import { defaultTenant, tenantHref, type TenantSummary } from './tenant';
import { safeNext } from './session';

const tenant = (slug: string): TenantSummary => ({
  id: `00000000-0000-4000-8000-${slug.padStart(12, '0').slice(-12)}`,
  slug,
  name: slug,
  region: 'ap-northeast-1',
  role: 'viewer',
});

describe('tenant links', () => {
  it('puts the tenant first in the query and drops empty values', () => {
    expect(tenantHref('/trace', 'acme', { id: 'abc', service: '', from: 1700000000000 })).toBe('/trace?tenant=acme&id=abc&from=1700000000000');
    expect(tenantHref('/hitmap', 'a&b')).toBe('/hitmap?tenant=a%26b');
  });

  it('opens the last used tenant when it is still one of yours, else the first', () => {
    const list = [tenant('one'), tenant('two')];
    expect(defaultTenant(list, 'two')?.slug).toBe('two');
    expect(defaultTenant(list, 'gone')?.slug).toBe('one');
    expect(defaultTenant([], 'two')).toBeUndefined();
  });

  it('only returns to paths on this site after sign-in', () => {
    expect(safeNext('/settings/keys?tenant=acme')).toBe('/settings/keys?tenant=acme');
    expect(safeNext('https://evil.example/')).toBe('/');
    expect(safeNext('//evil.example/')).toBe('/');
    expect(safeNext('/\\evil.example')).toBe('/');
    expect(safeNext(null)).toBe('/');
  });
});
