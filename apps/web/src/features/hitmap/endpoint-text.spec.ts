import { endpointParts } from './endpoint-text';

describe('endpoint wrapping', () => {
  it('offers breaks only after path separators and query delimiters, keeping words whole', () => {
    expect(endpointParts('GET /api/v2/orders/{id}')).toEqual(['GET /', 'api/', 'v2/', 'orders/', '{id}']);
    expect(endpointParts('GET /search?q=shoes&page=2')).toEqual(['GET /', 'search?', 'q=', 'shoes&', 'page=', '2']);
    expect(endpointParts('SELECT orders').join('')).toBe('SELECT orders');
  });
});
