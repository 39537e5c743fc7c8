/** Routes of the servers and server detail (infrastructure). */
export const HOST_ROUTES = {} as const;
