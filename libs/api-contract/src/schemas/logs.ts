/** Schemas of the logs explorer routes. */
export {};
