import { isAllZero } from './values';

/** Why a trace id (16 bytes) or span id (8 bytes) is unusable, or null when it is fine. */
export function idProblem(id: Uint8Array | null | undefined, size: 8 | 16, json: boolean): string | null {
  if (!id || id.length !== size) return json ? `expected ${size * 2} hex characters` : `expected ${size} bytes, got ${id ? id.length : 0}`;
  if (isAllZero(id)) return 'must not be all zeros';
  return null;
}

/** A parent span id may be absent (root); all zeros also means "no parent". */
export function parentIdProblem(id: Uint8Array | null | undefined, json: boolean): string | null {
  if (!id || id.length === 0 || id.length === 8) return null;
  return json ? 'expected 16 hex characters or none' : `expected 8 bytes or none, got ${id.length}`;
}

/** Log records: ids are optional (absent or all zeros → ''), but a present id must have the right size. */
export function optionalIdProblem(id: Uint8Array | null | undefined, size: 8 | 16, json: boolean): string | null {
  if (!id || id.length === 0 || id.length === size) return null;
  return json ? `expected ${size * 2} hex characters or none` : `expected ${size} bytes or none, got ${id.length}`;
}
