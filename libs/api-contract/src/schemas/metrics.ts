/** Schemas of the metrics explorer routes. */
export {};
