/** Routes of the logs explorer. */
export const LOG_ROUTES = {} as const;
