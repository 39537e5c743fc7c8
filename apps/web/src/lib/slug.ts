import { TENANT_SLUG_RE } from '@meridian/api-contract';

/**
 * A tenant slug suggested from its display name ("ACME Corp." → "acme-corp"); empty when the
 * name has no usable letters (e.g. only Japanese), so the user types one.
 */
export function suggestSlug(name: string): string {
  const slug = name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 40)
    .replace(/-+$/, '');
  return TENANT_SLUG_RE.test(slug) ? slug : '';
}
