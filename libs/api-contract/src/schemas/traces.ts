/** Schemas of the trace explorer (search spans and traces) routes. */
export {};
