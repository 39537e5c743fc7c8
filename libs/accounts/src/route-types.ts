import type { ApiRoutes, ParsedInput, ResponseOf, RouteName } from '@meridian/api-contract';

/** What route `K` answers, as its contract says. */
export type Answer<K extends RouteName> = Promise<ResponseOf<ApiRoutes[K]>>;

/** The parsed body of route `K`. */
export type BodyOf<K extends RouteName> = ParsedInput<ApiRoutes[K]>['body'];
