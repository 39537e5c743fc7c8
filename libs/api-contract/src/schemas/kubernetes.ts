/** Schemas of the Kubernetes map and pod detail (infrastructure) routes. */
export {};
