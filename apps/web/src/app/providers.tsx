'use client';

import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { Suspense, useState, type ReactNode } from 'react';
import { ApiError, apiKey, shouldRetry } from '../lib/api';
import { PrefsProvider } from '../lib/i18n';
import { ThemeProvider } from '../lib/theme';

function makeClient(): QueryClient {
  // A 401 anywhere means the session ended (expired, signed out elsewhere): re-read it, and the
  // signed-in layouts then send the user to the sign-in page.
  const onError = (error: unknown) => {
    if (error instanceof ApiError && error.status === 401 && error.route !== 'getSession')
      void client.invalidateQueries({ queryKey: apiKey('getSession', {}) });
  };
  const client: QueryClient = new QueryClient({
    queryCache: new QueryCache({ onError }),
    mutationCache: new MutationCache({ onError }),
    defaultOptions: { queries: { retry: shouldRetry, refetchOnWindowFocus: false, staleTime: 10_000 } },
  });
  return client;
}

export function Providers({ children }: { children: ReactNode }) {
  const [client] = useState(makeClient);
  return (
    <QueryClientProvider client={client}>
      <PrefsProvider>
        <ThemeProvider>
          {/* Pages read the URL's query (useSearchParams), which a static export resolves only in the browser. */}
          <Suspense fallback={null}>{children}</Suspense>
        </ThemeProvider>
      </PrefsProvider>
    </QueryClientProvider>
  );
}
