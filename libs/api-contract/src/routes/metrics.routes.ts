/** Routes of the metrics explorer. */
export const METRIC_ROUTES = {} as const;
