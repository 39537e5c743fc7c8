'use client';

import { keepPreviousData, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../../lib/api';
import { decodeCells, liveFetchWindow, mergeLiveCells, type Cell, type LiveCells } from './live';
import { spanMs, type HitmapView } from './view';

/** Live views poll at the hitmap's column width. */
export const LIVE_POLL_MS = 5_000;

/**
 * The cells of a view. Live: polled every 5 s; after the first answer a poll asks only for the
 * newest columns (`since`) and merges them into what is cached (see liveFetchWindow). Fixed
 * windows are fetched once and cached per window.
 */
export function useHitmapCells(tenant: string, view: HitmapView) {
  const client = useQueryClient();
  const w = view.window;
  const filters = { service: view.service, endpoint: view.endpoint };
  const params = { tenant };
  const queryKey = w.live ? ['hitmap', 'live', tenant, w.span, filters] : ['hitmap', 'fixed', tenant, w.from, w.to, filters];
  return useQuery<LiveCells, ApiError, Cell[]>({
    queryKey,
    queryFn: async () => {
      if (!w.live) {
        const answer = await api.call('hitmap', { params, query: { from: String(w.from), to: String(w.to), ...filters } });
        return { cells: decodeCells(answer), fetchedTo: w.to, lateTo: w.to, spanMs: w.to - w.from };
      }
      const span = spanMs(w.span)!;
      const prev = client.getQueryData<LiveCells>(queryKey);
      const fetched = liveFetchWindow(prev, Date.now(), span);
      const since = fetched.since === undefined ? {} : { since: String(Math.floor(fetched.since)) };
      const answer = await api.call('hitmap', { params, query: { from: String(fetched.from), to: String(fetched.to), ...since, ...filters } });
      return mergeLiveCells(prev, answer, fetched, span);
    },
    select: (data) => data.cells,
    refetchInterval: w.live ? LIVE_POLL_MS : false,
    staleTime: w.live ? 0 : 5 * 60_000,
    // A new window or filter keeps showing the old cells until the new ones arrive (no blank flash).
    placeholderData: keepPreviousData,
  });
}
