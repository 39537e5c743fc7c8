/** Schemas of the servers and server detail (infrastructure) routes. */
export {};
