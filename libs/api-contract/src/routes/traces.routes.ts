/** Routes of the trace explorer (search spans and traces). */
export const TRACE_SEARCH_ROUTES = {} as const;
