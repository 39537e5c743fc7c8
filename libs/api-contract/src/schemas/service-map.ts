/** Schemas of the service map (calls between services) routes. */
export {};
