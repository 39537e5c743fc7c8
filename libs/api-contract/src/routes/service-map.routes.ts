/** Routes of the service map (calls between services). */
export const SERVICE_MAP_ROUTES = {} as const;
