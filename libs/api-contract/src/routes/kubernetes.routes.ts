/** Routes of the Kubernetes map and pod detail (infrastructure). */
export const KUBERNETES_ROUTES = {} as const;
